import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { sqlRequest } from "../../engine/actions/sql/request.js";
import { ApprovalService, FileApprovalStore } from "../../engine/approvals/index.js";
import { Engine } from "../../engine/engine.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { Identity } from "../../engine/policy/types.js";
import { RequestGate } from "../../proxy/gate/request-gate.js";
import { Budgets } from "../../proxy/gate/budgets.js";
import type { GateCaller, GatePorts, SessionEvent } from "../../proxy/gate/types.js";
import { approvalDesk } from "../../proxy/gateway/approval-desk.js";
import { bob, ci, tempDir } from "../approvals/fixtures/requests.js";

/**
 * The request gate on its own, with the real engine (default policy), the real approval service over
 * its file store, and the decisions it records: what any proxy gets from it, whatever its protocol.
 */

const engine = await Engine.start({ dir: defaultPolicyDir, watch: false });
const approvals = await ApprovalService.start({ store: await FileApprovalStore.open(join(tempDir("gate"), "approvals.jsonl")), log: () => undefined, sweepIntervalMs: 0 });
const alice: Identity = { subject: "alice@example.com", issuer: "https://id.example.com", groups: ["developers"], kind: "human", claims: {} };
const prod = { name: "prod-db", type: "postgres" as const, tags: { env: "prod" } };

interface Harness {
  gate: RequestGate;
  events: SessionEvent[];
  calls: { decide: number; withGrant: number; normalize: number };
  failAudit: boolean;
}

let sessions = 0;
function harness(identity: Identity, options: { approvals?: boolean } = {}): Harness {
  const h = { events: [] as SessionEvent[], calls: { decide: 0, withGrant: 0, normalize: 0 }, failAudit: false } as Harness;
  const ports: GatePorts = {
    decideAsync: (request) => (h.calls.decide++, engine.decideAsync(request)),
    normalizeAsync: (request, facts) => (h.calls.normalize++, engine.normalizeAsync(request, facts)),
    decideWithGrant: (verdict, grant) => (h.calls.withGrant++, engine.decideWithGrant(verdict, grant)),
    revision: () => engine.revision,
    record: async (event) => {
      if (h.failAudit) throw new Error("disk full");
      h.events.push(event);
    },
    log: () => undefined,
    budgets: Budgets.inMemory(),
    ...(options.approvals === false ? {} : { approvals: approvalDesk(approvals) }),
  };
  const caller: GateCaller = { identity, session: { id: `gate-${++sessions}`, protocol: "postgres" }, target: prod };
  h.gate = new RequestGate(ports, caller);
  return h;
}

function hold(controller: AbortController, notes: string[] = []): () => { notify(message: string): void; signal: AbortSignal } {
  return () => ({ notify: (message) => void notes.push(message), signal: controller.signal });
}

test("an allowed request is recorded before the gate answers, numbered in its session, and the policy is asked once", async () => {
  const h = harness(alice);
  const first = await h.gate.decide(sqlRequest("SELECT 1"));
  const second = await h.gate.decide(sqlRequest("SELECT id FROM orders WHERE id = 1"));
  assert.ok(first.ok && second.ok);
  assert.equal([first.requestId, second.requestId], [1, 2]);
  assert.equal(h.events.map((e) => (e.type === "decision" ? [e.request_id, e.request.text, e.verdict.effect] : [])), [[1, "SELECT 1", "allow"], [2, "SELECT id FROM orders WHERE id = 1", "allow"]]);
  assert.equal(h.calls, { decide: 2, withGrant: 0, normalize: 0 });
});

test("a denial is a neutral refusal with the policy's reasons; a text that does not parse says where", async () => {
  const h = harness(alice);
  const denied = await h.gate.decide(sqlRequest("DELETE FROM orders"));
  assert.ok(!denied.ok);
  assert.is(denied.refusal.code, "denied");
  assert.match(denied.refusal.message, /DELETE without WHERE/);
  const unparsable = await h.gate.decide(sqlRequest("SELEC 1"));
  assert.ok(!unparsable.ok && unparsable.refusal.code === "unparsable");
  assert.is(unparsable.refusal.position, 0);
  assert.is(h.events.length, 2, "refusals are audited too");
});

test("a ticket: refused with the approval's id, then let through once approved, asking the policy once more only with the grant", async () => {
  const h = harness(ci);
  const first = await h.gate.decide(sqlRequest("TRUNCATE orders"));
  assert.ok(!first.ok && first.refusal.code === "approval_required" && first.refusal.approval);
  const id = first.refusal.approval.id;
  assert.match(id, /^apr_/);
  await approvals.decide(id, bob, "approve");
  h.calls = { decide: 0, withGrant: 0, normalize: 0 };
  const again = await h.gate.decide(sqlRequest("TRUNCATE orders"));
  assert.ok(again.ok, JSON.stringify(again));
  assert.is(again.verdict.input.approval?.id, id);
  assert.equal(h.calls, { decide: 1, withGrant: 1, normalize: 0 }, "normalized once; the grant is evaluated on the same action");
  const third = await h.gate.decide(sqlRequest("TRUNCATE orders"));
  assert.ok(!third.ok, "a once-approval lets the request through one time");
});

test("a hold: the client is told what it waits for, and the request goes on once approved", async () => {
  const h = harness(alice);
  const notes: string[] = [];
  const pending = h.gate.decide(sqlRequest("TRUNCATE orders"), { hold: hold(new AbortController(), notes) });
  let request;
  for (let i = 0; i < 100 && !request; i++) {
    request = (await approvals.list({ status: "pending" })).find((r) => r.requester.subject === alice.subject && r.session_id === h.gate.caller.session.id);
    if (!request) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(request, "an approval request is opened");
  assert.equal(request.request, { kind: "sql", text: "TRUNCATE orders" });
  await approvals.decide(request.id, bob, "approve");
  const outcome = await pending;
  assert.ok(outcome.ok);
  assert.match(notes[0] ?? "", new RegExp(`waiting for approval ${request.id} from group:dba`));
  assert.equal(h.events.map((e) => (e.type === "decision" ? e.verdict.effect : "")), ["approval", "allow"]);
});

test("a hold the client cancels is refused as cancelled and the approval request is withdrawn", async () => {
  const h = harness(alice);
  const controller = new AbortController();
  const pending = h.gate.decide(sqlRequest("TRUNCATE orders"), { hold: hold(controller) });
  await new Promise((r) => setTimeout(r, 100));
  controller.abort();
  const outcome = await pending;
  assert.ok(!outcome.ok && outcome.refusal.code === "cancelled");
  const withdrawn = await approvals.get(outcome.refusal.approval!.id);
  assert.is(withdrawn?.status, "cancelled");
});

test("without approvals a decision that needs one is refused naming its approvers", async () => {
  const h = harness(alice, { approvals: false });
  const outcome = await h.gate.decide(sqlRequest("TRUNCATE orders"));
  assert.ok(!outcome.ok && outcome.refusal.code === "approval_required");
  assert.match(outcome.refusal.message, /approval required from group:dba/);
});

test("what the policy cannot see denies: an inspection's reasons, or an inspection that fails", async () => {
  const h = harness(alice);
  const seen = await h.gate.decide(sqlRequest("SELECT 1"), { inspect: async () => ["view v reads a masked column"] });
  assert.ok(!seen.ok && seen.refusal.code === "denied" && seen.refusal.message === "view v reads a masked column");
  const failed = await h.gate.decide(sqlRequest("SELECT 1"), { inspect: async () => Promise.reject(new Error("catalog down")) });
  assert.ok(!failed.ok && failed.refusal.code === "denied");
  const recorded = h.events.map((e) => (e.type === "decision" ? e.verdict.effect : ""));
  assert.equal(recorded, ["deny", "deny"], "the audit log records what was carried out, not what the policy said");
});

test("a decision the audit log cannot record is refused: nothing is forwarded unrecorded", async () => {
  const h = harness(alice);
  h.failAudit = true;
  const outcome = await h.gate.decide(sqlRequest("SELECT 1"));
  assert.ok(!outcome.ok && outcome.refusal.code === "audit_failed");
});

test("a deferred request (it only defines what runs later) passes without an approval; a preview asks no policy", async () => {
  const h = harness(alice);
  const outcome = await h.gate.decide(sqlRequest("TRUNCATE orders"), { defers: () => true });
  assert.ok(outcome.ok && outcome.verdict.effect === "approval");
  const action = await h.gate.preview(sqlRequest("EXECUTE p"));
  assert.is(action.kind, "sql");
  assert.equal(h.calls, { decide: 1, withGrant: 0, normalize: 1 });
});

test.after(async () => {
  await approvals.close();
  await engine.close();
});

test.run();
