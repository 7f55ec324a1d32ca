import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ApprovalRequest } from "../../engine/approvals/index.js";
import { portcullis } from "../support/cli.js";
import { startApprovalsGateway, type ApprovalsGateway } from "./fixtures/gateway.js";
import { bob, newApproval, tempDir } from "./fixtures/requests.js";

let gw: ApprovalsGateway;
/** No stored login: the token comes from PORTCULLIS_TOKEN or --token only. */
const configDir = tempDir("cli-config");

test.before(async () => {
  gw = await startApprovalsGateway();
});
test.after(async () => {
  await gw.close();
});

function as(token: string | undefined, args: string[]): ReturnType<typeof portcullis> {
  const env: Record<string, string> = { PORTCULLIS_GATEWAY: gw.http.url, PORTCULLIS_CONFIG_DIR: configDir, PORTCULLIS_TOKEN: token ?? "" };
  return portcullis(["approvals", ...args], { env });
}

test("approvals list --format json prints an array of requests with id and status", async () => {
  const a = await gw.approvals.create(await newApproval({ mode: "hold" }));
  const b = await gw.approvals.create(await newApproval({ request: { kind: "sql", text: "DROP TABLE orders" } }));
  const [json, text, all] = await Promise.all([as(gw.tokens.bob, ["list", "--format", "json"]), as(gw.tokens.bob, ["list"]), as(gw.tokens.bob, ["list", "--status", "all", "--format", "json"])]);
  assert.is(json.code, 0, json.stderr);
  const listed = JSON.parse(json.stdout) as ApprovalRequest[];
  assert.ok(Array.isArray(listed));
  assert.equal(listed.filter((r) => r.id === a.id || r.id === b.id).map((r) => [r.id, r.status]), [[b.id, "pending"], [a.id, "pending"]]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ID\s+STATUS\s+MODE\s+REQUESTER\s+TARGET\s+CREATED\s+STATEMENT$/m);
  assert.match(text.stdout, new RegExp(`^${a.id}\\s+pending\\s+hold\\s+alice@example\\.com\\s+prod-db\\s+\\S+ \\S+\\s+TRUNCATE orders$`, "m"));
  assert.is(all.code, 0, all.stderr);
  assert.ok((JSON.parse(all.stdout) as ApprovalRequest[]).length >= 2);
});

test("approvals show ID prints the request with its statement", async () => {
  const a = await gw.approvals.create(await newApproval({ request: { kind: "sql", text: "DELETE FROM orders\nWHERE created_at < now() - interval '1 year'" } }));
  const [text, json, missing] = await Promise.all([as(gw.tokens.bob, ["show", a.id]), as(gw.tokens.bob, ["show", a.id, "--format", "json"]), as(gw.tokens.carol, ["show", a.id])]);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^id +${a.id}$`, "m"));
  assert.match(text.stdout, /^requester +alice@example\.com \(human, issuer https:\/\/id\.example\.com, groups developers\)$/m);
  assert.match(text.stdout, /^approvers +group:dba, subject:dave@example\.com$/m);
  assert.match(text.stdout, /statement:\n {2}DELETE FROM orders\n {2}WHERE created_at < now\(\) - interval '1 year'\n$/);
  assert.equal(JSON.parse(json.stdout), a);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`portcullis: cannot show ${a.id}: no approval request ${a.id} that you may see \\(not_found\\)`));
});

test("approve and deny by ID: self-approval and non-approvers are refused with exit 1 and a clear reason", async () => {
  const a = await gw.approvals.create(await newApproval());
  const b = await gw.approvals.create(await newApproval());
  const [self, stranger] = await Promise.all([as(gw.tokens.alice, ["approve", a.id]), as(gw.tokens.carol, ["deny", a.id])]);
  assert.is(self.code, 1);
  assert.is(self.stdout, "");
  assert.match(self.stderr, new RegExp(`^portcullis: cannot approve ${a.id}: alice@example\\.com requested ${a.id} and cannot decide it; another approver \\(group:dba, subject:dave@example\\.com\\) must \\(self_approval\\)\\n$`));
  assert.is(stranger.code, 1);
  assert.match(stranger.stderr, new RegExp(`^portcullis: cannot deny ${a.id}: carol@example\\.com is not an approver of ${a.id}; it needs one of group:dba, subject:dave@example\\.com \\(not_an_approver\\)\\n$`));
  assert.is((await gw.approvals.get(a.id))?.status, "pending");

  const [approved, denied] = await Promise.all([
    as(gw.tokens.bob, ["approve", a.id, "--use", "window", "--reason", "release 42"]),
    portcullis(["approvals", "deny", b.id, "--reason", "no", "--token", gw.tokens.dave, "--gateway", gw.http.url], { env: { PORTCULLIS_CONFIG_DIR: configDir, PORTCULLIS_TOKEN: "" } }),
  ]);
  assert.is(approved.code, 0, approved.stderr);
  const decided = await gw.approvals.get(a.id);
  assert.is(approved.stdout, `${a.id} approved (window, usable until ${decided?.grant?.expires_at})\n`);
  assert.equal([decided?.decided_by, decided?.decision_reason], [bob.subject, "release 42"]);
  assert.is(denied.code, 0, denied.stderr);
  assert.is(denied.stdout, `${b.id} denied\n`);
  assert.is((await gw.approvals.get(b.id))?.decided_by, "dave@example.com");

  const again = await as(gw.tokens.dave, ["approve", a.id]);
  assert.is(again.code, 1);
  assert.match(again.stderr, /is already approved by bob@example\.com \(not_pending\)/);
});

test("usage: --help for each command, bad options exit 2, no token or a bad one exit 1", async () => {
  const [group, list, show, approve, deny, badUse, noId, noToken, badToken] = await Promise.all([
    as(undefined, ["--help"]),
    as(undefined, ["list", "--help"]),
    as(undefined, ["show", "--help"]),
    as(undefined, ["approve", "--help"]),
    as(undefined, ["deny", "--help"]),
    as(gw.tokens.bob, ["approve", "apr_aaaaaaaaaa", "--use", "forever"]),
    as(gw.tokens.bob, ["approve"]),
    as(undefined, ["list"]),
    as("not-a-token", ["list"]),
  ]);
  assert.is(group.code, 0);
  for (const verb of ["list", "show", "approve", "deny"]) assert.match(group.stdout, new RegExp(`approvals ${verb}`));
  assert.equal([list.code, show.code, approve.code, deny.code], [0, 0, 0, 0]);
  assert.match(list.stdout, /^Usage: portcullis approvals list /);
  assert.match(list.stdout, /--format json it prints a JSON array/);
  assert.match(show.stdout, /^Usage: portcullis approvals show ID/);
  assert.match(approve.stdout, /^Usage: portcullis approvals approve ID \[--reason TEXT\] \[--use once\|window\]/);
  assert.match(approve.stdout, /PORTCULLIS_TOKEN/);
  assert.match(deny.stdout, /^Usage: portcullis approvals deny ID \[--reason TEXT\] \[--format/);
  assert.is(badUse.code, 2);
  assert.match(badUse.stderr, /--use must be one of once, window \(got "forever"\)/);
  assert.is(noId.code, 2);
  assert.match(noId.stderr, /name the approval request/);
  assert.is(noToken.code, 1);
  assert.match(noToken.stderr, /no token: pass --token TOKEN, set PORTCULLIS_TOKEN, or run `portcullis login` first/);
  assert.is(badToken.code, 1);
  assert.match(badToken.stderr, /the gateway does not accept your token/);
});

test.run();
