import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog, isSecretName, redact, type AuditRecord } from "../../engine/audit/index.js";
import { decisionFor } from "./fixtures/events.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-redact-"));
const CANARY = "canary-Target-Pa55word-7f3a";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6InBvcnRjdWxsaXMifQ.c2lnbmF0dXJl";

test("fields named like secrets are recognised; ordinary ones are not", () => {
  for (const name of ["password", "PGPASSWORD", "passwd", "pwd", "client_secret", "clientSecret", "access_token", "refreshToken", "id-token", "api_key", "apiKey", "private_key", "Authorization", "cookie", "credentials"]) {
    assert.ok(isSecretName(name), name);
  }
  for (const name of ["subject", "session_id", "sql", "reasons", "column", "key", "name", "groups", "text", "hash"]) assert.not.ok(isSecretName(name), name);
});

test("redact strips secret fields at any depth, rewrites tokens, registered secrets and SQL password literals", () => {
  const input = {
    identity: { subject: "alice", claims: { email: "a@example.com", access_token: "abc", nested: [{ password: "p", ok: 1 }] } },
    detail: `login with ${JWT} refused`,
    note: `dsn postgres://gw:${CANARY}@db/prod`,
    sql: "ALTER ROLE bob WITH LOGIN PASSWORD 'hunter2'",
  };
  const before = JSON.stringify(input);
  const { value, removed } = redact(input, { secrets: [CANARY] });
  assert.is(JSON.stringify(input), before, "the input is not changed");
  assert.equal(value, {
    identity: { subject: "alice", claims: { email: "a@example.com", nested: [{ ok: 1 }] } },
    detail: "login with [redacted] refused",
    note: "dsn postgres://gw:[redacted]@db/prod",
    sql: "ALTER ROLE bob WITH LOGIN PASSWORD '[redacted]'",
  });
  assert.equal(removed.sort(), ["/detail", "/identity/claims/access_token", "/identity/claims/nested/0/password", "/note", "/sql"]);
});

test("no secret reaches the audit log file; the record lists what was removed", async () => {
  const file = join(dir, "audit.log");
  const log = await AuditLog.open(file, { secrets: [CANARY] });
  const event = await decisionFor(`SELECT '${CANARY}' AS leaked, '${JWT}' AS token_value`);
  const sneaky = { ...event, password: CANARY, decision: { ...event.decision, reasons: [`${CANARY}`] } } as typeof event;
  const record = await log.append(sneaky);
  await log.append({ type: "auth_failure", protocol: "postgres", code: "bad_signature", detail: `token ${JWT}`, claimed_subject: "alice" });
  await log.close();
  const bytes = readFileSync(file, "utf8");
  assert.not.ok(bytes.includes(CANARY), "the registered secret is nowhere in the file");
  assert.not.ok(bytes.includes(JWT), "no token is in the file");
  assert.not.ok(bytes.includes('"password"'), "no field named password");
  assert.ok(record.event.redacted?.includes("/password"));
  const first = JSON.parse(bytes.split("\n")[0]!) as AuditRecord;
  assert.equal(first.event.redacted, record.event.redacted);
  assert.ok(first.event.type === "decision" && first.event.request.text.includes("'[redacted]' AS leaked"));
});

test("an event with nothing secret comes back as an equal copy, never the caller's object", () => {
  const event = { type: "session_end", session_id: "s-1", reason: "client disconnected", nested: { list: [1, "two", { three: 3 }] } };
  const { value, removed } = redact(event, { secrets: ["hunter2-canary"] });
  assert.equal(removed, []);
  assert.equal(value, event);
  assert.is.not(value, event);
  assert.is.not(value.nested, event.nested);
});

test("each rule still fires when its trigger is only in an escaped or nested place", () => {
  const secret = 'p"a\\ss';
  const { value, removed } = redact({ a: [{ note: `x${secret}y` }], b: { "Pass-Word": "1" }, c: "line\nPASSWORD 'z'" }, { secrets: [secret] });
  assert.equal(removed.sort(), ["/a/0/note", "/b/Pass-Word", "/c"]);
  assert.is(value.a[0]!.note, "x[redacted]y");
  assert.is(value.c, "line\nPASSWORD '[redacted]'");
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
