import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ApprovalRequest } from "../../engine/approvals/index.js";
import { startApprovalsGateway, type ApprovalsGateway } from "./fixtures/gateway.js";
import { alice, approvalSchemaProblem, bob, newApproval, sleep } from "./fixtures/requests.js";

let gw: ApprovalsGateway;

test.before(async () => {
  gw = await startApprovalsGateway();
});
test.after(async () => {
  await gw.close();
});

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

async function call(method: string, path: string, token: string | undefined, body?: { json?: unknown; form?: Record<string, string> }): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body?.json !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body?.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    payload = new URLSearchParams(body.form).toString();
  }
  const response = await fetch(`${gw.http.url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: text ? JSON.parse(text) : undefined };
}

const ids = (answer: Answer): string[] => (answer.body as ApprovalRequest[]).map((r) => r.id);

test("every call needs a valid bearer token: 401 with a JSON error otherwise", async () => {
  for (const [method, path] of [["GET", "/v1/approvals"], ["GET", "/v1/approvals/apr_aaaaaaaaaa"], ["POST", "/v1/approvals/apr_aaaaaaaaaa/approve"]] as const) {
    const none = await call(method, path, undefined);
    assert.is(none.status, 401, `${method} ${path}`);
    assert.equal(none.body, { error: "invalid_token", error_description: "send Authorization: Bearer <token>" });
    const forged = await call(method, path, `${gw.tokens.bob.slice(0, -4)}AAAA`);
    assert.is(forged.status, 401);
    assert.is((forged.body as { error: string }).error, "invalid_token");
  }
  assert.ok(gw.authLog.some((e) => e.event === "approvals_rejected"), "the precise reason goes to the auth log");
});

test("approvers see what they may decide, requesters their own, others nothing", async () => {
  const mine = await gw.approvals.create(await newApproval());
  const onlyDave = await gw.approvals.create(await newApproval({ approvers: ["subject:dave@example.com"], request: { kind: "sql", text: "DROP TABLE orders" } }));
  const asBob = await call("GET", "/v1/approvals?status=pending", gw.tokens.bob);
  assert.is(asBob.status, 200);
  assert.is(asBob.contentType, "application/json");
  assert.ok(ids(asBob).includes(mine.id) && !ids(asBob).includes(onlyDave.id));
  for (const r of asBob.body as ApprovalRequest[]) assert.is(approvalSchemaProblem(r), null);
  assert.ok(ids(await call("GET", "/v1/approvals", gw.tokens.dave)).includes(onlyDave.id));
  const asAlice = ids(await call("GET", "/v1/approvals", gw.tokens.alice));
  assert.ok(asAlice.includes(mine.id) && asAlice.includes(onlyDave.id), "the requester sees her own");
  assert.equal(ids(await call("GET", "/v1/approvals", gw.tokens.carol)), []);

  const shown = await call("GET", `/v1/approvals/${mine.id}`, gw.tokens.bob);
  assert.equal([shown.status, shown.body], [200, mine]);
  const hidden = await call("GET", `/v1/approvals/${mine.id}`, gw.tokens.carol);
  assert.equal([hidden.status, (hidden.body as { error: string }).error], [404, "not_found"]);
  assert.is((await call("GET", "/v1/approvals/apr_nosuchone", gw.tokens.bob)).status, 404);
  const bad = await call("GET", "/v1/approvals?status=maybe", gw.tokens.bob);
  assert.equal([bad.status, (bad.body as { error: string }).error], [400, "invalid_request"]);
  assert.is((await call("GET", "/v1/approvals?limit=0", gw.tokens.bob)).status, 400);
});

test("approve: the requester gets 403 self_approval, a non-approver 403 not_an_approver, an approver 200", async () => {
  const r = await gw.approvals.create(await newApproval());
  const self = await call("POST", `/v1/approvals/${r.id}/approve`, gw.tokens.alice);
  assert.is(self.status, 403);
  assert.is((self.body as { error: string }).error, "self_approval");
  assert.match((self.body as { error_description: string }).error_description, /alice@example\.com requested/);
  const stranger = await call("POST", `/v1/approvals/${r.id}/approve`, gw.tokens.carol);
  assert.equal([stranger.status, (stranger.body as { error: string }).error], [403, "not_an_approver"]);
  assert.is((await gw.approvals.get(r.id))?.status, "pending");

  const ok = await call("POST", `/v1/approvals/${r.id}/approve`, gw.tokens.bob, { json: { reason: "change OPS-9", use: "window" } });
  assert.is(ok.status, 200);
  const approved = ok.body as ApprovalRequest;
  assert.equal([approved.status, approved.decided_by, approved.decision_reason, approved.grant?.use], ["approved", bob.subject, "change OPS-9", "window"]);
  assert.is(approvalSchemaProblem(approved), null);
  assert.equal(await gw.approvals.get(r.id), approved);
  const found = await gw.approvals.findGrant({ requester: alice, target: r.target, request: r.request });
  assert.is(found?.grant.granted_by, bob.subject);

  const again = await call("POST", `/v1/approvals/${r.id}/deny`, gw.tokens.dave);
  assert.equal([again.status, (again.body as { error: string }).error], [409, "not_pending"]);
  assert.is((await call("POST", "/v1/approvals/apr_nosuchone/approve", gw.tokens.bob)).status, 404);
});

test("deny takes a form body; bad input is 400; an expired request is 409 expired", async () => {
  const r = await gw.approvals.create(await newApproval());
  const useOnDeny = await call("POST", `/v1/approvals/${r.id}/deny`, gw.tokens.bob, { form: { use: "window" } });
  assert.equal([useOnDeny.status, (useOnDeny.body as { error: string }).error], [400, "invalid_request"]);
  const badUse = await call("POST", `/v1/approvals/${r.id}/approve`, gw.tokens.bob, { form: { use: "forever" } });
  assert.is(badUse.status, 400);
  const denied = await call("POST", `/v1/approvals/${r.id}/deny`, gw.tokens.dave, { form: { reason: "not in a release window" } });
  assert.is(denied.status, 200);
  assert.equal([(denied.body as ApprovalRequest).status, (denied.body as ApprovalRequest).decision_reason], ["denied", "not in a release window"]);

  const short = await gw.approvals.create(await newApproval({ expires_in_seconds: 0.2 }));
  await sleep(300);
  const late = await call("POST", `/v1/approvals/${short.id}/approve`, gw.tokens.bob);
  assert.equal([late.status, (late.body as { error: string }).error], [409, "expired"]);
  assert.is(((await call("GET", `/v1/approvals/${short.id}`, gw.tokens.bob)).body as ApprovalRequest).status, "expired");
});

test("another method on an approvals path is 405; without an approval service there is no such path", async () => {
  const wrong = await call("DELETE", "/v1/approvals/apr_aaaaaaaaaa", gw.tokens.bob);
  assert.equal([wrong.status, (wrong.body as { error: string }).error], [405, "invalid_request"]);
  assert.is((await call("GET", "/v1/approvals/apr_aaaaaaaaaa/approve", gw.tokens.bob)).status, 405);
  const { startHttpServer } = await import("../../proxy/http/server.js");
  const bare = await startHttpServer({ identity: gw.identity, log: () => undefined });
  try {
    const response = await fetch(`${bare.url}/v1/approvals`, { headers: { authorization: `Bearer ${gw.tokens.bob}` } });
    assert.is(response.status, 404);
  } finally {
    await bare.close();
  }
});

test.run();
