#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with uvu, one process per file so a crash or a
// leaked handle in one file cannot hide another's result, and ends with the plain summary line CI reads.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith(".test.js") ? [path] : [];
  });
}

const files = find(join(root, "dist/test")).sort().filter((f) => !filter || filter.test(f));
// A file that hangs (a server that never closes, a client that never answers) fails on its own after
// this long instead of stalling the whole run.
const FILE_TIMEOUT_MS = Number(process.env.PORTCULLIS_TEST_FILE_TIMEOUT_MS ?? 10 * 60_000);
let passed = 0;
let failed = 0;
const broken = [];
for (const file of files) {
  const result = spawnSync(process.execPath, ["--enable-source-maps", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: FILE_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 256 * 1024 * 1024 });
  const timedOut = result.error && /ETIMEDOUT/.test(String(result.error.message ?? result.error));
  const out = (result.stdout ?? "") + (result.stderr ?? "") + (timedOut ? `\n(killed after ${FILE_TIMEOUT_MS / 1000} s: the file did not finish)\n` : "");
  process.stdout.write(`\n# ${relative(root, file)}\n${out}`);
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  passed += ok;
  failed += total - ok;
  if (result.status !== 0) {
    broken.push(relative(root, file));
    if (total === ok) failed += 1; // crashed before or after its suites reported
  }
}
if (files.length === 0) {
  console.error("no test files found under dist/test");
  process.exit(1);
}
if (broken.length > 0) console.log(`\nfailing files: ${broken.join(", ")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken.length > 0 ? 1 : 0);
