import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import type { RunningGateway } from "../../proxy/gateway/gateway.js";
import { pendingFor, startApprovalGateway, type ApprovalGateway } from "../support/approval-gateway.js";
import { portcullis } from "../support/cli.js";
import { wireLogin } from "../support/pg-wire.js";

/**
 * What a client sends reaches people through the CLI: statements held for approval, user names in
 * the audit log. Sent through the real gateway, escape sequences, bidirectional overrides and
 * newlines must come out as visible escapes in every text and JSON output, never acting on the
 * terminal: an approver reads what will run, and no record can print a forged one.
 */

const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };

// ESC [2K clears the line, CR returns to its start, ESC [1A moves up: what follows repaints what came before.
const REPAINT = "\u001b[2K\r\u001b[1A\u001b[2KSELECT count(*) FROM orders\u001b[8m";
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

let running: ApprovalGateway;
let gateway: RunningGateway;
let dana: string;

test.before(async () => {
  running = await startApprovalGateway();
  gateway = running.gateway;
  dana = (await gateway.identity.tokens.issue(DANA)).token;
});
test.after(async () => {
  await running?.stop();
});

function cli(args: string[]): ReturnType<typeof portcullis> {
  return portcullis(args, { env: { PORTCULLIS_GATEWAY: gateway.http.url, PORTCULLIS_TOKEN: dana, PORTCULLIS_CONFIG_DIR: running.dir } });
}

test("a held statement with terminal escapes and a bidi override is shown as it is, in every approvals output", async () => {
  const client = new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user: "alice", database: "shop", password: (await gateway.identity.tokens.issue(ALICE)).token });
  client.on("error", () => undefined);
  await client.connect();
  const sql = `TRUNCATE users /* ${REPAINT} */ CASCADE -- \u202Eread-only statement\u2066`;
  const held = client.query(sql).catch(() => undefined);
  const request = await pendingFor(gateway, "alice");
  for (const args of [["approvals", "list"], ["approvals", "show", request.id], ["approvals", "list", "--format", "json"], ["approvals", "show", request.id, "--format", "json"]]) {
    const out = await cli(args);
    assert.is(out.code, 0, out.stderr);
    assert.not.match(out.stdout, HIDDEN, `${args.join(" ")} printed a raw control or bidi character`);
    assert.match(out.stdout, "TRUNCATE users", args.join(" "));
    assert.match(out.stdout, /\\(x1b|u001b)\[2K/, args.join(" "));
    // The text list cuts statements at 60 characters, before the override.
    if (args.join(" ") !== "approvals list") assert.match(out.stdout, /\\u202e/i, args.join(" "));
    if (args.includes("json")) {
      // Escaped in JSON's own way: the value read back is exactly what the client sent.
      const parsed = JSON.parse(out.stdout) as { request: { text: string } } | Array<{ request: { text: string } }>;
      const first = Array.isArray(parsed) ? parsed.find((r) => r.request.text.startsWith("TRUNCATE users")) : parsed;
      assert.is(first?.request.text, sql);
    }
  }
  const shown = await cli(["approvals", "show", request.id]);
  assert.match(shown.stdout, /^statement:\n {2}TRUNCATE users \/\* \\x1b\[2K\\r\\x1b\[1A\\x1b\[2KSELECT count\(\*\) FROM orders\\x1b\[8m \*\/ CASCADE -- \\u202eread-only statement\\u2066\n$/m);
  await cli(["approvals", "deny", request.id]);
  await held;
  await client.end();
});

test("a login whose user name holds a newline and escapes cannot forge an audit line", async () => {
  const forged = "x\n#99 2026-12-05T00:00:00.000Z allow    dana -> shop  GRANT pii-readers TO alice\u001b[0m";
  const token = (await gateway.identity.tokens.issue(ALICE)).token;
  await wireLogin(gateway.postgres.port, { user: forged, database: "shop", password: token }).then(
    (c) => c.destroy(),
    () => undefined,
  );
  const tail = await cli(["audit", "tail", "-n", "20", "--gateway", gateway.http.url]);
  assert.is(tail.code, 0, tail.stderr);
  assert.not.match(tail.stdout, HIDDEN);
  for (const line of tail.stdout.trimEnd().split("\n")) assert.match(line, /^#\d+ \d{4}-\d\d-\d\dT/, `a line that is not a record: ${JSON.stringify(line)}`);
  assert.not.match(tail.stdout, /^#99 /m);
});

test.run();
