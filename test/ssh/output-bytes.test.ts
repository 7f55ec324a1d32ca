import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AuditRecord } from "../../engine/audit/types.js";
import type { Identity } from "../../engine/policy/types.js";
import { policyDir } from "../support/policy-dir.js";
import { recordingsOnceOneHolds } from "../support/recordings.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";
import { clearOfWindowEnd } from "../support/windows.js";

/**
 * The decision's bytes_per_window and commands_per_window over SSH, against a real sshd and the real
 * OpenSSH client: output past the byte budget is cut exactly at it with the reason on stderr and exit
 * status 1 (in command mode, on the line's own output), the next command is refused with the time
 * until the window resets, an scp download stops at the budget, and commands past their budget are
 * refused the same way. Refusals are audited as denials; cuts are the requests' recorded results.
 */
const BYTES = 100_000;
const COMMANDS = 3;
const READER: Identity = { subject: "ci-reader", issuer: "https://ci.test", groups: ["ci"], kind: "service", claims: {} };
const RUNNER: Identity = { subject: "ci-runner", issuer: "https://ci.test", groups: ["ci"], kind: "service", claims: {} };

const POLICY = `package portcullis

default decision := {"allow": true, "reasons": []}

decision := {"allow": true, "reasons": [], "limits": {"bytes_per_window": {"limit": ${BYTES}, "seconds": 3600}}} if input.identity.subject == "ci-reader"

decision := {"allow": true, "reasons": [], "limits": {"commands_per_window": {"limit": ${COMMANDS}, "seconds": 3600}}} if input.identity.subject == "ci-runner"

decision := {"allow": true, "reasons": [], "limits": {"bytes_per_window": {"limit": ${BYTES}, "seconds": 3600}}} if {
	input.identity.subject == "alice@example.com"
	input.action.operation == "read"
}
`;

let g: SshGatewayUnderTest;
let policy: { dir: string; remove(): void };
test.before(async () => {
  policy = policyDir({ "limits.rego": POLICY });
  g = await startSshGateway({ policyDir: policy.dir });
});
test.after(async () => {
  await g?.stop();
  policy?.remove();
});

async function auditRecords(): Promise<AuditRecord[]> {
  const text = await readFile(join(g.dir, "audit.log"), "utf8");
  return text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as AuditRecord);
}

test("output past the byte budget is cut exactly there, with the reason and exit status 1; the next command is refused until the window resets", async () => {
  await clearOfWindowEnd(3600);
  const password = await g.token(READER);
  const LOGIN = "ci-reader+web";
  const first = await g.ssh(["head -c 200000 /dev/zero | base64"], { password, login: LOGIN });
  assert.is(first.stdout.length, BYTES, first.stderr);
  assert.is(first.stdout, "A".repeat(76) + "\n" + ("A".repeat(76) + "\n").repeat(2000).slice(0, BYTES - 77));
  const cut = `Portcullis cut this output off after ${BYTES} bytes: the policy allows ci-reader ${BYTES} bytes per hour, and that budget is spent; it resets in `;
  assert.match(first.stderr, new RegExp(`^${cut}\\d+ s\\n$`));
  assert.is(first.code, 1);

  const next = await g.ssh(["echo", "hi"], { password, login: LOGIN });
  assert.is(next.stdout, "");
  assert.match(next.stderr, new RegExp(`^Portcullis denied this command: bytes budget spent: at most ${BYTES} bytes per hour for ci-reader; it resets in \\d+ s\\n$`));
  assert.is(next.code, 1);

  const decisions = (await auditRecords()).map((r) => r.event).filter((e) => e.type === "decision").slice(-2) as Array<{ effect: string; decision: { reasons: string[] } }>;
  assert.equal(decisions.map((d) => d.effect), ["allow", "deny"]);
  assert.match(decisions[1]!.decision.reasons[0]!, /^bytes budget spent: at most 100000 bytes per hour for ci-reader; it resets in \d+ s$/);
  // The cut is the command's result in the session's recording, with what the client was told.
  const cutLine = JSON.stringify({ error: { code: "1", message: first.stderr.trim() } });
  const recordings = await recordingsOnceOneHolds(g.dir, (r) => r.includes(cutLine));
  assert.ok(recordings.some((r) => r.includes(cutLine)), recordings.join("\n").slice(-2000));
});

test("in command mode a line's output is cut the same way, and the session's next line is refused until the window resets", async () => {
  await clearOfWindowEnd(3600);
  const command = await startSshGateway({ policyDir: policy.dir, interactive: "command" });
  try {
    const password = await command.token(READER);
    const r = await command.ssh(["-T"], { login: "ci-reader+web", password, input: "head -c 200000 /dev/zero | base64\necho after\n", timeoutMs: 30_000 });
    const output = ("A".repeat(76) + "\n").repeat(2000).slice(0, BYTES);
    const told = `Portcullis cut this output off after ${BYTES} bytes: the policy allows ci-reader ${BYTES} bytes per hour, and that budget is spent; it resets in \\d+ s`;
    const refused = `Portcullis denied this command: bytes budget spent: at most ${BYTES} bytes per hour for ci-reader; it resets in \\d+ s`;
    // After command mode's banner line: the prompt, the line's output up to exactly the budget, why, the next line refused.
    const shown = r.stdout.slice(r.stdout.indexOf("\n") + 1);
    const prompt = "web:~$ ";
    assert.ok(shown.startsWith(prompt + output + "\n"), JSON.stringify(shown.slice(0, 100)));
    assert.match(shown.slice(prompt.length + BYTES), new RegExp(`^\\n${told}\\nweb:~\\$ ${refused}\\nweb:~\\$ $`));
    assert.is(r.code, 0, r.stderr);
  } finally {
    await command.stop();
  }
});

test("an scp download (SFTP) stops at the byte budget: the client gets no byte past it, fails, and the file's read is recorded as cut", async () => {
  await clearOfWindowEnd(3600);
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bytes-"));
  try {
    const content = randomBytes(2 * BYTES);
    writeFileSync(join(dir, "big.bin"), content);
    const r = await g.copy("scp", [`alice+web@portcullis:${join(dir, "big.bin")}`, join(dir, "copy.bin")]);
    assert.is.not(r.code, 0, "the copy failed");
    const copied = existsSync(join(dir, "copy.bin")) ? readFileSync(join(dir, "copy.bin")) : Buffer.alloc(0);
    assert.ok(content.subarray(0, BYTES).equals(copied), `the file's first ${BYTES} bytes arrived, no more (${copied.length})`);
    // OpenSSH's scp names the SFTP status, not the server's message, which the recording keeps.
    assert.is(r.stderr, `scp: read remote "${join(dir, "big.bin")}" : Permission denied\r\n`);
    const cutRead = `"code":"PERMISSION_DENIED","message":"Portcullis cut this output off after ${BYTES} bytes`;
    const recordings = await recordingsOnceOneHolds(g.dir, (t) => t.includes(cutRead));
    assert.ok(recordings.some((t) => t.includes(cutRead)), recordings.join("\n").slice(-2000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("commands past their budget are refused with the time until the window resets", async () => {
  await clearOfWindowEnd(3600);
  const password = await g.token(RUNNER);
  const LOGIN = "ci-runner+web";
  for (let i = 1; i <= COMMANDS; i++) {
    const r = await g.ssh(["echo", String(i)], { password, login: LOGIN });
    assert.is(r.stdout, `${i}\n`, r.stderr);
    assert.is(r.code, 0);
  }
  const over = await g.ssh(["echo", "again"], { password, login: LOGIN });
  assert.is(over.stdout, "");
  assert.match(over.stderr, new RegExp(`^Portcullis denied this command: rate limit: at most ${COMMANDS} requests per hour for ci-runner; the budget resets in \\d+ s\\n$`));
  assert.is(over.code, 1);
  const denial = (await auditRecords()).map((r) => r.event).filter((e) => e.type === "decision").at(-1) as { effect: string; decision: { reasons: string[] } };
  assert.is(denial.effect, "deny");
  assert.match(denial.decision.reasons[0]!, /^rate limit: at most 3 requests per hour for ci-runner/);
});

test.run();
