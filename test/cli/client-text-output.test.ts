import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import type { AuditRecord } from "../../engine/audit/index.js";
import { packageRoot } from "../../engine/paths.js";
import type { Identity } from "../../engine/policy/types.js";
import { pendingFor, startApprovalGateway, type ApprovalGateway } from "../support/approval-gateway.js";
import { portcullis, type CliResult } from "../support/cli.js";
import { psqlInBackground, run, type Running } from "../support/run.js";

// What the CLI prints of text a client chose (a statement, a user name) through the real gateway: a
// held statement whose comment holds terminal escape sequences, a bidi override and C1 controls, and
// a login whose user name holds a newline and a fake record. A terminal must show the real statement
// and one line per record; nothing the client sent may act on the terminal.

const ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };
const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };

/** Erase the line, return to its start, go up one line, conceal; CSI as C1 (U+009B); a right-to-left override; a zero-width space. */
const REPAINT = "\x1b[2K\r\x1b[1A\x1b[8m\u009b2K\u202e\u200b";
const HELD_SQL = `TRUNCATE users /*${REPAINT}SELECT count(*) FROM orders -- read-only statement\n\u{e0041}*/`;
const FORGED_USER = "mallory\n#99 2026-12-05T10:00:00.000Z allow    dana -> shop  GRANT pii-readers TO alice\x1b[2K\u2066";

/** Any character a terminal would act on or not show: C0 but the newline, DEL, C1, bidi controls, zero-width and other format characters. */
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\u{e0000}-\u{e007f}]/u;

let running: ApprovalGateway;
let held: Running;
let request: ApprovalRequest;
let env: Record<string, string>;
const configDir = mkdtempSync(join(tmpdir(), "portcullis-cli-text-"));

test.before(async () => {
  running = await startApprovalGateway();
  const { gateway } = running;
  const alice = (await gateway.identity.tokens.issue(ALICE)).token;
  held = psqlInBackground({ ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.postgres.port), PGUSER: "alice", PGDATABASE: "shop", PGPASSWORD: alice, PGSSLMODE: "disable" }, HELD_SQL);
  request = await pendingFor(gateway, "alice");
  assert.is(request.request.text, HELD_SQL, "the gateway holds the statement exactly as sent");
  // A PostgreSQL login whose user name holds a newline, a record-like line and escape codes.
  const forged = new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user: FORGED_USER, database: "shop", password: "not-a-token" });
  await forged.connect().then(
    () => assert.unreachable("a bogus token must not log in"),
    () => undefined,
  );
  await forged.end().catch(() => undefined);
  const dana = (await gateway.identity.tokens.issue(DANA)).token;
  env = { PORTCULLIS_GATEWAY: gateway.http.url, PORTCULLIS_TOKEN: dana, PORTCULLIS_CONFIG_DIR: configDir, PORTCULLIS_AUDIT_LOG: "", PORTCULLIS_AUDIT_DATABASE_URL: "" };
});

test.after(async () => {
  held?.kill("SIGINT");
  await held?.done;
  await running?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

function assertNothingRaw(r: CliResult, what: string): void {
  assert.is(r.code, 0, `${what}: ${r.stderr}`);
  const found = RAW.exec(r.stdout);
  assert.not.ok(found, `${what} printed U+${found?.[0].codePointAt(0)?.toString(16).padStart(4, "0")} raw:\n${JSON.stringify(r.stdout)}`);
}

test("approvals list shows the held TRUNCATE with the comment's escape codes visible, not acted on", async () => {
  const r = await portcullis(["approvals", "list"], { env });
  assertNothingRaw(r, "approvals list");
  const row = r.stdout.split("\n").find((line) => line.startsWith(request.id));
  assert.ok(row, r.stdout);
  assert.match(row!, / alice +shop +\S+ \S+ +TRUNCATE users \/\*\\x1b\[2K\\r\\x1b\[1A\\x1b\[8m\\x9b2K\\u202e\\u200bSELECT/);
});

test("approvals show prints the whole statement, every control escaped, every line under 'statement:'", async () => {
  const r = await portcullis(["approvals", "show", request.id], { env });
  assertNothingRaw(r, "approvals show");
  const statement = r.stdout.slice(r.stdout.indexOf("\nstatement:\n") + "\nstatement:\n".length);
  assert.is(statement, "  TRUNCATE users /*\\x1b[2K\\r\\x1b[1A\\x1b[8m\\x9b2K\\u202e\\u200bSELECT count(*) FROM orders -- read-only statement\n  \\u{e0041}*/\n");
});

test("--format json stays exact JSON and writes C1 and bidi controls as \\u escapes", async () => {
  for (const args of [["approvals", "list", "--format", "json"], ["approvals", "show", request.id, "--format", "json"]]) {
    const r = await portcullis(args, { env });
    assertNothingRaw(r, args.join(" "));
    assert.match(r.stdout, /\\u009b2K\\u202e\\u200b/);
    assert.match(r.stdout, /\\udb40\\udc41\*\//, "a character beyond the BMP as its JSON surrogate pair");
    const parsed = JSON.parse(r.stdout) as ApprovalRequest | ApprovalRequest[];
    const sql = (Array.isArray(parsed) ? parsed.find((p) => p.id === request.id) : parsed)?.request.text;
    assert.is(sql, HELD_SQL, "the same value as the gateway holds");
  }
});

test("audit tail --gateway prints one line per record: a user name cannot forge one", async () => {
  const [text, json] = await Promise.all([portcullis(["audit", "tail", "--gateway", env.PORTCULLIS_GATEWAY!, "-n", "50"], { env }), portcullis(["audit", "tail", "--gateway", env.PORTCULLIS_GATEWAY!, "-n", "50", "--format", "json"], { env })]);
  assertNothingRaw(text, "audit tail");
  assertNothingRaw(json, "audit tail --format json");
  const records = json.stdout.trim().split("\n").map((line) => JSON.parse(line) as AuditRecord);
  const lines = text.stdout.trimEnd().split("\n");
  assert.equal(lines.map((line) => line.split(" ", 1)[0]), records.map((r) => `#${r.seq}`), `one line per record, in order:\n${text.stdout}`);
  assert.not.ok(lines.some((line) => line.startsWith("#99 ")), "no forged record line");
  // The gateway may refuse such a name before keeping it; when it keeps it, it is shown escaped.
  const failure = records.find((r) => r.event.type === "auth_failure" && r.event.claimed_subject === FORGED_USER);
  if (failure) {
    const shown = lines.find((line) => line.startsWith(`#${failure.seq} `))!;
    assert.match(shown, /failed login: \S+ as mallory\\n#99 2026-12-05T10:00:00\.000Z allow {4}dana -> shop {2}GRANT pii-readers TO alice\\x1b\[2K\\u2066 -> shop/);
  }
  const requested = lines.find((line) => line.includes(`requested ${request.id}`))!;
  assert.match(requested, /requested apr_\w+: TRUNCATE users \/\*\\x1b\[2K\\r\\x1b\[1A\\x1b\[8m\\x9b2K\\u202e\\u200bSELECT count\(\*\) FROM orders -- read-only statement\\n\\u\{e0041\}\*\/$/);
});

test("audit search --gateway escapes the same way", async () => {
  const r = await portcullis(["audit", "search", "--gateway", env.PORTCULLIS_GATEWAY!, "--type", "approval_requested"], { env });
  assertNothingRaw(r, "audit search");
  assert.match(r.stdout, /TRUNCATE users \/\*\\x1b\[2K/);
});

test("audit export to a terminal writes the same JSON with its controls as \\u escapes; to a pipe, the records as they are", async () => {
  const gateway = env.PORTCULLIS_GATEWAY!;
  const command = `${process.execPath} ${join(packageRoot, "bin/portcullis")} audit export --gateway ${gateway} --type approval_requested`;
  // script(1) gives the command a pseudo-terminal, as a person running it would.
  const terminal = await run("script", ["-qefc", command, "/dev/null"], { ...process.env, ...env, NO_COLOR: "1" });
  const output = terminal.stdout.replace(/\r\n/g, "\n");
  assert.is(terminal.code, 0, terminal.stderr + output);
  assertNothingRaw({ code: 0, stdout: output, stderr: "" }, "audit export to a terminal");
  const record = JSON.parse(output.trim().split("\n").pop()!) as AuditRecord;
  assert.is(record.event.type === "approval_requested" ? record.event.request.text : undefined, HELD_SQL);
  const piped = await portcullis(["audit", "export", "--gateway", gateway, "--type", "approval_requested"], { env });
  assert.ok(piped.stdout.includes("\u202e"), "a file gets the records' JSON unchanged");
});

test.run();
