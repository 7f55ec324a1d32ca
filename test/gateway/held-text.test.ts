import { createHash } from "node:crypto";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import type { RunningGateway } from "../../proxy/gateway/gateway.js";
import { pendingFor, startApprovalGateway, type ApprovalGateway } from "../support/approval-gateway.js";

/**
 * A huge held statement is stored and shown cut, with the whole text's size and SHA-256, so no page,
 * list or API answer grows with it; the approval still covers exactly the whole text.
 */

const DANA: Identity = { subject: "dana", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const ALICE: Identity = { subject: "alice", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };

let running: ApprovalGateway;
let gateway: RunningGateway;

test.before(async () => {
  running = await startApprovalGateway();
  gateway = running.gateway;
});
test.after(async () => {
  await running?.stop();
});

test("a 900 KB held statement is kept as 8 KiB plus its size and digest, and approving it runs the whole text", async () => {
  const client = new pg.Client({ host: "127.0.0.1", port: gateway.postgres.port, user: "alice", database: "shop", password: (await gateway.identity.tokens.issue(ALICE)).token });
  client.on("error", () => undefined);
  await client.connect();
  const sql = `TRUNCATE orders CASCADE /* ${"x".repeat(900_000)} */`;
  const held = client.query(sql);
  const request = await pendingFor(gateway, "alice");
  assert.ok(Buffer.byteLength(request.request.text) <= 8 * 1024, `stored ${Buffer.byteLength(request.request.text)} bytes`);
  assert.is(request.request.text_bytes, Buffer.byteLength(sql));
  assert.is(request.request.text_sha256, createHash("sha256").update(sql).digest("hex"));
  const dana = (await gateway.identity.tokens.issue(DANA)).token;
  const listed = await fetch(`${gateway.http.url}/v1/approvals?status=pending`, { headers: { authorization: `Bearer ${dana}` } });
  const body = await listed.text();
  assert.ok(body.length < 64 * 1024, `the list answer is ${body.length} bytes`);
  const approved = await fetch(`${gateway.http.url}/v1/approvals/${request.id}/approve`, { method: "POST", headers: { authorization: `Bearer ${dana}` } });
  assert.is(approved.status, 200);
  const result = await held;
  assert.is(result.command, "TRUNCATE");
  assert.is(Number((await running.server.query<{ n: string }>("SELECT count(*)::text AS n FROM orders")).rows[0]!.n), 0);
  await client.end();
});

test.run();
