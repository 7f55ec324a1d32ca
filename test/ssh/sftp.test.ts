import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AuditRecord } from "../../engine/audit/types.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

let g: SshGatewayUnderTest;
/** Local files the clients send and receive. */
let local: string;
/** A directory on the target (the target's sshd runs on this machine, as this user). */
let remote: string;

test.before(async () => {
  g = await startSshGateway();
  local = mkdtempSync(join(tmpdir(), "portcullis-sftp-local-"));
  remote = mkdtempSync(join(tmpdir(), "portcullis-sftp-remote-"));
});
test.after(async () => {
  await g?.stop();
  rmSync(local, { recursive: true, force: true });
  rmSync(remote, { recursive: true, force: true });
});

const AT = "alice+web@portcullis";

async function batch(commands: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(local, `batch-${randomBytes(4).toString("hex")}`);
  writeFileSync(file, `${commands.join("\n")}\n`);
  return g.copy("sftp", ["-b", file, AT]);
}

async function fileDecisions(): Promise<Array<{ effect: string; action: { operation: string; path: string; resolved: string }; reasons: string[] }>> {
  const text = readFileSync(join(g.dir, "audit.log"), "utf8");
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as AuditRecord).event as unknown as { type: string; effect: string; action: { kind: string; operation: string; path: string; resolved: string }; decision: { reasons: string[] } })
    .filter((e) => e.type === "decision" && e.action.kind === "file")
    .map((e) => ({ effect: e.effect, action: e.action, reasons: e.decision.reasons }));
}

test("sftp batch: put, ls, rename, get, mkdir, rm and rmdir work through the gateway, each decided", async () => {
  writeFileSync(join(local, "hello.txt"), "hello over sftp\n");
  const r = await batch([`put ${join(local, "hello.txt")} ${remote}/a.txt`, `ls ${remote}`, `rename ${remote}/a.txt ${remote}/b.txt`, `get ${remote}/b.txt ${join(local, "back.txt")}`, `mkdir ${remote}/sub`, `rmdir ${remote}/sub`, `rm ${remote}/b.txt`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(readFileSync(join(local, "back.txt"), "utf8"), "hello over sftp\n");
  assert.not.ok(existsSync(join(remote, "b.txt")));
  const operations = (await fileDecisions()).map((d) => `${d.effect} ${d.action.operation} ${d.action.resolved}`);
  for (const expected of [`allow write ${remote}/a.txt`, `allow list ${remote}`, `allow rename ${remote}/a.txt`, `allow read ${remote}/b.txt`, `allow mkdir ${remote}/sub`, `allow rmdir ${remote}/sub`, `allow remove ${remote}/b.txt`]) {
    assert.ok(operations.includes(expected), `${expected} in\n${operations.join("\n")}`);
  }
});

test("a write under /etc is refused (permission denied) and nothing is written", async () => {
  writeFileSync(join(local, "evil"), "x");
  const r = await batch([`put ${join(local, "evil")} /etc/portcullis-sftp-test`]);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /Permission denied/);
  assert.not.ok(existsSync("/etc/portcullis-sftp-test"));
  const last = (await fileDecisions()).at(-1)!;
  assert.is(last.effect, "deny");
  assert.equal(last.reasons, ["write of /etc/portcullis-sftp-test is denied: changes under /etc are for admins"]);
});

test("paths are matched as the target resolves them: .. and symbolic links lead to the same refusal", async () => {
  symlinkSync("/etc", join(remote, "etc-link"));
  symlinkSync("/etc/shadow", join(remote, "innocent.txt"));
  writeFileSync(join(local, "evil"), "x");
  const dots = `${remote}/${"../".repeat(remote.split("/").length)}etc/portcullis-sftp-dots`;
  for (const command of [`put ${join(local, "evil")} ${dots}`, `put ${join(local, "evil")} ${remote}/etc-link/portcullis-sftp-link`, `get ${remote}/innocent.txt ${join(local, "stolen")}`]) {
    const r = await batch([command]);
    assert.is.not(r.code, 0, command);
  }
  assert.not.ok(existsSync("/etc/portcullis-sftp-dots"));
  assert.not.ok(existsSync("/etc/portcullis-sftp-link"));
  assert.not.ok(existsSync(join(local, "stolen")));
  const denied = (await fileDecisions()).filter((d) => d.effect === "deny").map((d) => d.action.resolved);
  for (const path of ["/etc/portcullis-sftp-dots", "/etc/portcullis-sftp-link", "/etc/shadow"]) assert.ok(denied.includes(path), `${path} in ${denied.join(", ")}`);
});

test("scp both ways, in SFTP mode (the default) and the old protocol (-O, an exec of scp -t/-f)", async () => {
  const content = randomBytes(200_000);
  writeFileSync(join(local, "blob"), content);
  for (const legacy of [false, true]) {
    const flag = legacy ? ["-O"] : [];
    const name = legacy ? "legacy" : "sftp";
    const up = await g.copy("scp", [...flag, join(local, "blob"), `${AT}:${remote}/${name}.bin`]);
    assert.is(up.code, 0, up.stderr);
    assert.ok(readFileSync(join(remote, `${name}.bin`)).equals(content), name);
    const down = await g.copy("scp", [...flag, `${AT}:${remote}/${name}.bin`, join(local, `${name}.back`)]);
    assert.is(down.code, 0, down.stderr);
    assert.ok(readFileSync(join(local, `${name}.back`)).equals(content), name);
  }
  const refused = await g.copy("scp", ["-O", join(local, "blob"), `${AT}:/etc/portcullis-scp-test`]);
  assert.is.not(refused.code, 0);
  assert.not.ok(existsSync("/etc/portcullis-scp-test"));
});

test("a 100 MB copy arrives whole", async () => {
  const big = join(local, "big.bin");
  const chunk = randomBytes(1 << 20);
  writeFileSync(big, Buffer.concat(Array.from({ length: 100 }, () => chunk)));
  const want = createHash("sha256").update(readFileSync(big)).digest("hex");
  const started = performance.now();
  const r = await g.copy("scp", [big, `${AT}:${remote}/big.bin`], { timeoutMs: 120_000 });
  const seconds = (performance.now() - started) / 1000;
  assert.is(r.code, 0, r.stderr);
  assert.is(createHash("sha256").update(readFileSync(join(remote, "big.bin"))).digest("hex"), want);
  console.log(`100 MB through the gateway by scp: ${seconds.toFixed(1)} s`);
  rmSync(big);
  rmSync(join(remote, "big.bin"));
});

test.run();
