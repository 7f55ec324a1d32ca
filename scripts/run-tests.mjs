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
let passed = 0;
let failed = 0;
const broken = [];
for (const file of files) {
  const result = spawnSync(process.execPath, ["--enable-source-maps", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const out = result.stdout + result.stderr;
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
