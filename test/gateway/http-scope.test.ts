import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import type { Identity } from "../../engine/policy/types.js";
import type { RunningGateway } from "../../proxy/gateway/gateway.js";
import { pendingFor, startApprovalGateway, type ApprovalGateway } from "../support/approval-gateway.js";

/**
 * A gateway token scoped to targets is refused at every other target's database; the HTTP APIs must
 * hold it to the same scope (approvals and the audit log of other targets do not exist for it). Every
 * numeric parameter is plain decimal, and a signed token has exactly one spelling.
 */

const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };

let running: ApprovalGateway;
let gateway: RunningGateway;
let request: ApprovalRequest;
let alice: pg.Client;
let held: Promise<unknown>;

test.before(async () => {
  running = await startApprovalGateway();
  gateway = running.gateway;
  alice = new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user: "alice", database: "shop", password: (await gateway.identity.tokens.issue(ALICE)).token });
  alice.on("error", () => undefined);
  await alice.connect();
  held = alice.query("TRUNCATE orders").catch(() => undefined);
  request = await pendingFor(gateway, "alice");
});
test.after(async () => {
  await alice?.end().catch(() => undefined);
  await running?.stop();
});

async function call(method: string, path: string, token: string, form?: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${gateway.http.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

test("a token scoped to another target neither sees nor decides this target's approvals, nor reads its audit records", async () => {
  const elsewhere = (await gateway.identity.tokens.issue(DANA, { targets: ["dev-sandbox"] })).token;
  const listed = await call("GET", "/v1/approvals?status=pending", elsewhere);
  assert.is(listed.status, 200);
  assert.equal(listed.body, []);
  assert.is((await call("GET", `/v1/approvals/${request.id}`, elsewhere)).status, 404);
  assert.is((await call("POST", `/v1/approvals/${request.id}/approve`, elsewhere, {})).status, 404);
  assert.is((await gateway.approvals.get(request.id))?.status, "pending");
  const audit = await call("GET", "/v1/audit?limit=100", elsewhere);
  assert.is(audit.status, 200);
  assert.equal(audit.body, []);
  assert.is((await call("GET", "/v1/audit/verify", elsewhere)).status, 403);
  // The same person with a token for this target (or an unscoped one) may.
  const here = (await gateway.identity.tokens.issue(DANA, { targets: ["shop"] })).token;
  assert.ok(((await call("GET", "/v1/audit?limit=100", here)).body as unknown[]).length > 0);
  assert.equal(((await call("GET", "/v1/approvals?status=pending", here)).body as ApprovalRequest[]).map((r) => r.id), [request.id]);
  assert.is((await call("POST", `/v1/approvals/${request.id}/deny`, here, { reason: "scoped test" })).status, 200);
  await held;
});

test("numeric parameters are plain decimal digits, anything else is a 400 naming the parameter", async () => {
  const dana = (await gateway.identity.tokens.issue(DANA)).token;
  for (const limit of ["0x10", "1e3", " 16", "16.0", "+16", "16 ", "١٦"]) {
    for (const path of [`/v1/approvals?limit=${encodeURIComponent(limit)}`, `/v1/audit?limit=${encodeURIComponent(limit)}`]) {
      const answer = await call("GET", path, dana);
      assert.is(answer.status, 400, `${path}`);
      assert.match((answer.body as { error_description: string }).error_description, /^limit must be a whole number/);
    }
    const exchange = await fetch(`${gateway.http.url}/v1/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: dana, subject_token_type: "urn:ietf:params:oauth:token-type:jwt", requested_ttl: limit }).toString(),
    });
    assert.is(exchange.status, 400, `requested_ttl=${limit}`);
    assert.match(((await exchange.json()) as { error_description: string }).error_description, /^requested_ttl \(seconds\) must be a whole number/);
  }
  assert.is((await call("GET", "/v1/approvals?limit=16", dana)).status, 200);
});

test("a signed token spelled any other way (padding, stray characters) is refused everywhere", async () => {
  const token = (await gateway.identity.tokens.issue(ALICE)).token;
  const [header, payload, signature] = token.split(".") as [string, string, string];
  for (const variant of [`${token}==`, `${token}=`, `${header}==.${payload}.${signature}`, `${header}.${payload}=.${signature}`, `${header}.${payload}.${signature}%`, `${header}.${payload}.+${signature}`]) {
    assert.is((await call("GET", "/v1/whoami", variant)).status, 401, variant.slice(-12));
    const client = new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user: "alice", database: "shop", password: variant });
    const outcome = await client.connect().then(
      () => "connected",
      (error: { code?: string }) => error.code,
    );
    await client.end().catch(() => undefined);
    assert.is(outcome, "28P01", variant.slice(-12));
  }
  assert.is((await call("GET", "/v1/whoami", token)).status, 200);
});

test.run();
