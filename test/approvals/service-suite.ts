import { createHash } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ApprovalError, ApprovalService, type ApprovalServiceOptions, type ApprovalStore } from "../../engine/approvals/index.js";
import type { AuditEvent } from "../../engine/audit/index.js";
import { alice, approvalSchemaProblem, auditLog, bob, carol, ci, dave, manualClock, newApproval, otherAlice, prod, sleep, staging, TRUNCATE } from "./fixtures/requests.js";

/** How one store is made: empty for each test, and opened again over the same data (a restart). */
export interface StoreHarness {
  name: string;
  before?(): Promise<void>;
  after?(): Promise<void>;
  fresh(): Promise<{ store: ApprovalStore; reopen(): Promise<ApprovalStore> }>;
}

async function refused(code: string, work: () => Promise<unknown>): Promise<ApprovalError> {
  try {
    await work();
  } catch (error) {
    assert.instance(error, ApprovalError);
    assert.is((error as ApprovalError).code, code, (error as Error).message);
    return error as ApprovalError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error("unreachable");
}

/**
 * The behaviour every approval store must give the service: the same tests run over the file store and
 * over PostgreSQL (against a real server).
 */
export function approvalServiceSuite(harness: StoreHarness): void {
  const test = suite(`approvals over the ${harness.name}`);
  const open: ApprovalService[] = [];
  const lines: string[] = [];
  async function start(options: Partial<ApprovalServiceOptions> = {}): Promise<{ service: ApprovalService; reopen(): Promise<ApprovalStore> }> {
    const { store, reopen } = await harness.fresh();
    const service = await ApprovalService.start({ store, log: (line) => lines.push(line), sweepIntervalMs: 0, ...options });
    open.push(service);
    return { service, reopen };
  }
  if (harness.before) test.before(harness.before);
  test.after.each(async () => {
    for (const service of open.splice(0)) await service.close();
  });
  if (harness.after) test.after(harness.after);

  test("create stores a pending request bound to the hash of issuer, subject, target name and request", async () => {
    const { service } = await start();
    const created = await service.create(await newApproval());
    assert.match(created.id, /^apr_[a-z2-7]{10}$/);
    assert.is(created.status, "pending");
    assert.is(created.version, 1);
    // Canonical JSON (RFC 8785) spelled out by hand: keys sorted, no spaces.
    const canonical = `{"issuer":"https://id.example.com","request":{"kind":"sql","text":"TRUNCATE orders"},"subject":"alice@example.com","target":"prod-db"}`;
    assert.is(created.request_hash, createHash("sha256").update(canonical).digest("hex"));
    assert.is(Date.parse(created.expires_at) - Date.parse(created.created_at), 900_000, "pending for 15 minutes by default");
    assert.is(approvalSchemaProblem(created), null);
    assert.equal(await service.get(created.id), created);
    assert.equal((await service.list()).map((r) => r.id), [created.id]);
    assert.is(await service.get("apr_aaaaaaaaaa"), undefined);
  });

  test("list is newest first and filters by status", async () => {
    const clock = manualClock();
    const { service } = await start({ now: clock.now });
    const first = await service.create(await newApproval());
    clock.advance(1);
    const second = await service.create(await newApproval({ request: { kind: "sql" as const, text: "TRUNCATE customers" } }));
    clock.advance(1);
    const third = await service.create(await newApproval({ request: { kind: "sql" as const, text: "DROP TABLE audit_old" } }));
    await service.decide(second.id, bob, "deny");
    assert.equal((await service.list()).map((r) => r.id), [third.id, second.id, first.id]);
    assert.equal((await service.list({ status: "pending" })).map((r) => r.id), [third.id, first.id]);
    assert.equal((await service.list({ status: "denied" })).map((r) => r.id), [second.id]);
    assert.equal((await service.list({ limit: 1 })).map((r) => r.id), [third.id]);
  });

  test("nobody approves their own request, even as a listed approver; the request stays pending", async () => {
    const { service } = await start();
    const own = await service.create(await newApproval({ requester: { ...bob, claims: {} } }));
    const error = await refused("SELF_APPROVAL", () => service.decide(own.id, bob, "approve"));
    assert.match(error.message, /bob@example\.com requested/);
    await refused("SELF_APPROVAL", () => service.decide(own.id, bob, "deny"));
    assert.is((await service.get(own.id))?.status, "pending");
    // The same subject from another issuer is someone else.
    const mine = await service.create(await newApproval());
    assert.is((await service.decide(mine.id, otherAlice, "approve")).status, "approved");
  });

  test("only listed approvers decide: a listed group or subject may, anyone else is refused", async () => {
    const { service } = await start();
    const a = await service.create(await newApproval());
    const error = await refused("NOT_AN_APPROVER", () => service.decide(a.id, carol, "approve"));
    assert.match(error.message, /group:dba, subject:dave@example\.com/);
    await refused("NOT_AN_APPROVER", () => service.decide(a.id, ci, "deny"));
    assert.is((await service.get(a.id))?.status, "pending");
    const byGroup = await service.decide(a.id, bob, "approve", { reason: "ticket OPS-12" });
    assert.is(byGroup.status, "approved");
    assert.is(byGroup.decided_by, bob.subject);
    assert.is(byGroup.decision_reason, "ticket OPS-12");
    assert.is(byGroup.version, 2);
    const b = await service.create(await newApproval());
    assert.is((await service.decide(b.id, dave, "deny", { reason: "not during business hours" })).status, "denied");
    await refused("NOT_FOUND", () => service.decide("apr_zzzzzzzzzz", bob, "approve"));
  });

  test("a decided request cannot be decided again", async () => {
    const { service } = await start();
    const a = await service.create(await newApproval());
    await service.decide(a.id, bob, "deny");
    const error = await refused("NOT_PENDING", () => service.decide(a.id, dave, "approve"));
    assert.match(error.message, /already denied by bob@example\.com/);
    assert.is((await service.get(a.id))?.status, "denied");
    assert.is(await service.findGrant({ requester: alice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } }), undefined, "a denial grants nothing");
  });

  test("an approval is bound to its request: another statement, identity or target gets nothing", async () => {
    const { service } = await start();
    const a = await service.create(await newApproval());
    const approved = await service.decide(a.id, bob, "approve");
    assert.equal(approved.grant?.use, "once");
    assert.is(approved.grant?.uses, 0);
    assert.is(Date.parse(approved.grant!.expires_at) - Date.parse(approved.decided_at!), 600_000, "usable for ttl_seconds");
    assert.is(await service.findGrant({ requester: alice, target: prod, request: { kind: "sql" as const, text: "TRUNCATE orders CASCADE" } }), undefined);
    assert.is(await service.findGrant({ requester: alice, target: prod, request: { kind: "sql" as const, text: "truncate orders" } }), undefined);
    assert.is(await service.findGrant({ requester: carol, target: prod, request: { kind: "sql" as const, text: TRUNCATE } }), undefined);
    assert.is(await service.findGrant({ requester: otherAlice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } }), undefined);
    assert.is(await service.findGrant({ requester: alice, target: staging, request: { kind: "sql" as const, text: TRUNCATE } }), undefined);
    const found = await service.findGrant({ requester: alice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } });
    assert.equal(found?.grant, { id: a.id, granted_by: bob.subject, expires_at: approved.grant!.expires_at });
    assert.is(found?.request.grant?.uses, 1);
    assert.is(await service.findGrant({ requester: alice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } }), undefined, "a once grant is used up");
    assert.is((await service.get(a.id))?.grant?.uses, 1);
  });

  test("a window grant lets the identical request through until it expires", async () => {
    const clock = manualClock();
    const { service } = await start({ now: clock.now });
    const a = await service.create(await newApproval({ ttl_seconds: 300 }));
    await service.decide(a.id, bob, "approve", { use: "window" });
    const query = { requester: alice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } };
    for (let i = 1; i <= 3; i++) {
      clock.advance(60);
      const found = await service.findGrant(query);
      assert.is(found?.grant.id, a.id);
      assert.is(found?.request.grant?.uses, i);
    }
    clock.advance(121); // 301 s after the decision
    assert.is(await service.findGrant(query), undefined, "expired");
    assert.is((await service.get(a.id))?.grant?.uses, 3);
  });

  test("a once grant in a hold is used by the held statement itself; a window grant stays usable", async () => {
    const { service } = await start();
    const once = await service.create(await newApproval({ mode: "hold" }));
    const decided = await service.decide(once.id, bob, "approve");
    assert.is(decided.grant?.uses, 1);
    const query = { requester: alice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } };
    assert.is(await service.findGrant(query), undefined);
    const window = await service.create(await newApproval({ mode: "hold" }));
    await service.decide(window.id, bob, "approve", { use: "window" });
    assert.is((await service.findGrant(query))?.grant.id, window.id);
  });

  test("of many concurrent findGrant calls, exactly one consumes a once grant", async () => {
    const { service } = await start();
    const query = { requester: alice, target: prod, request: { kind: "sql" as const, text: TRUNCATE } };
    for (let round = 0; round < 5; round++) {
      const a = await service.create(await newApproval());
      await service.decide(a.id, bob, "approve");
      const results = await Promise.all(Array.from({ length: 8 }, () => service.findGrant(query)));
      assert.is(results.filter((r) => r !== undefined).length, 1, `round ${round}`);
      assert.is((await service.get(a.id))?.grant?.uses, 1);
    }
  });

  test("a pending request expires: it can no longer be decided, and leaves the pending list", async () => {
    const clock = manualClock();
    const audit = await auditLog();
    const { service } = await start({ now: clock.now, audit: (e) => audit.log.append(e) });
    const a = await service.create(await newApproval({ expires_in_seconds: 60 }));
    clock.advance(59);
    assert.is((await service.get(a.id))?.status, "pending");
    clock.advance(2);
    const error = await refused("EXPIRED", () => service.decide(a.id, bob, "approve"));
    assert.match(error.message, /expired at/);
    assert.is((await service.get(a.id))?.status, "expired");
    assert.equal(await service.list({ status: "pending" }), []);
    await refused("EXPIRED", () => service.decide(a.id, bob, "approve"));
    // Another one lapses unseen: listing notices it.
    const b = await service.create(await newApproval({ expires_in_seconds: 10 }));
    clock.advance(11);
    assert.equal((await service.list({ status: "expired" })).map((r) => r.id), [b.id, a.id]);
    await audit.log.close();
    const expired = (await audit.events()).filter((e) => e.type === "approval_decided");
    assert.equal(expired, [{ type: "approval_decided", approval_id: a.id, outcome: "expired" }, { type: "approval_decided", approval_id: b.id, outcome: "expired" }]);
  });

  test("waitForDecision resolves when the request is approved, denied, cancelled or expires", async () => {
    const { service } = await start();
    const a = await service.create(await newApproval({ mode: "hold" }));
    const waiting = service.waitForDecision(a.id, new AbortController().signal);
    await sleep(50);
    await service.decide(a.id, bob, "approve");
    assert.is((await waiting).status, "approved");

    const b = await service.create(await newApproval({ mode: "hold" }));
    const denied = service.waitForDecision(b.id, new AbortController().signal);
    await service.decide(b.id, bob, "deny", { reason: "no" });
    assert.is((await denied).decision_reason, "no");

    const c = await service.create(await newApproval({ mode: "hold" }));
    const cancelled = service.waitForDecision(c.id, new AbortController().signal);
    await service.cancel(c.id, "the client cancelled the statement");
    assert.equal([(await cancelled).status, (await cancelled).decision_reason], ["cancelled", "the client cancelled the statement"]);
    assert.is((await service.cancel(a.id, "late")).status, "approved", "cancelling a decided request changes nothing");

    const d = await service.create(await newApproval({ mode: "hold", expires_in_seconds: 0.3 }));
    const started = Date.now();
    const lapsed = await service.waitForDecision(d.id, new AbortController().signal);
    assert.is(lapsed.status, "expired");
    assert.ok(Date.now() - started >= 250 && Date.now() - started < 3000, `expired after ${Date.now() - started} ms`);

    assert.is((await service.waitForDecision(a.id, new AbortController().signal)).status, "approved", "an already decided request resolves at once");
    await refused("NOT_FOUND", () => service.waitForDecision("apr_nothingyet", new AbortController().signal));
  });

  test("aborting a wait rejects it at once and leaves the request pending", async () => {
    const { service } = await start();
    const a = await service.create(await newApproval({ mode: "hold" }));
    const controller = new AbortController();
    const waiting = service.waitForDecision(a.id, controller.signal);
    await sleep(30);
    const started = Date.now();
    controller.abort();
    try {
      await waiting;
      assert.unreachable("the wait should have been aborted");
    } catch (error) {
      assert.is((error as Error).name, "AbortError");
    }
    assert.ok(Date.now() - started < 500);
    assert.is((await service.get(a.id))?.status, "pending");
    const already = AbortSignal.abort();
    await service.waitForDecision(a.id, already).then(() => assert.unreachable("aborted before it began"), (error: Error) => assert.is(error.name, "AbortError"));
  });

  test("creations and decisions are audited in the real audit log, and announced as events", async () => {
    const audit = await auditLog();
    const { service } = await start({ audit: (e) => audit.log.append(e) });
    const seen: string[] = [];
    service.on("created", (r) => seen.push(`created ${r.id}`)).on("decided", (r) => seen.push(`${r.status} ${r.id}`));
    const a = await service.create(await newApproval({ mode: "hold", session_id: "s-42" }));
    await service.decide(a.id, bob, "approve", { reason: "change OPS-7" });
    const b = await service.create(await newApproval({ approvers: ["subject:dave@example.com"] }));
    await service.decide(b.id, dave, "deny");
    const c = await service.create(await newApproval({ mode: "hold" }));
    await service.cancel(c.id, "client went away");
    await audit.log.close();
    const events: AuditEvent[] = await audit.events();
    assert.equal(events[0], {
      type: "approval_requested",
      approval_id: a.id,
      session_id: "s-42",
      identity: { subject: alice.subject, issuer: alice.issuer, groups: alice.groups, kind: "human" },
      target: prod,
      request: { kind: "sql" as const, text: TRUNCATE },
      reasons: ["TRUNCATE of public.orders on prod-db (env prod) requires approval"],
      approvers: ["group:dba", "subject:dave@example.com"],
      mode: "hold",
      expires_at: a.expires_at,
    });
    assert.equal(events.slice(1), [
      { type: "approval_decided", approval_id: a.id, outcome: "approved", by: bob.subject, reason: "change OPS-7" },
      { type: "approval_requested", approval_id: b.id, session_id: "s-1", identity: { subject: alice.subject, issuer: alice.issuer, groups: alice.groups, kind: "human" }, target: prod, request: { kind: "sql" as const, text: TRUNCATE }, reasons: b.reasons, approvers: ["subject:dave@example.com"], mode: "ticket", expires_at: b.expires_at },
      { type: "approval_decided", approval_id: b.id, outcome: "denied", by: dave.subject },
      { type: "approval_requested", approval_id: c.id, session_id: "s-1", identity: { subject: alice.subject, issuer: alice.issuer, groups: alice.groups, kind: "human" }, target: prod, request: { kind: "sql" as const, text: TRUNCATE }, reasons: c.reasons, approvers: c.approvers, mode: "hold", expires_at: c.expires_at },
      { type: "approval_decided", approval_id: c.id, outcome: "cancelled", reason: "client went away" },
    ]);
    assert.equal(seen, [`created ${a.id}`, `approved ${a.id}`, `created ${b.id}`, `denied ${b.id}`, `created ${c.id}`, `cancelled ${c.id}`]);
  });

  test("a request that cannot be audited is refused and withdrawn", async () => {
    const { service } = await start({ audit: () => Promise.reject(new Error("disk full")) });
    await refused("AUDIT_FAILED", async () => service.create(await newApproval()));
    const [withdrawn] = await service.list();
    assert.is(withdrawn?.status, "cancelled");
    assert.is(withdrawn?.decision_reason, "the request could not be audited");
  });

  test("malformed requests are refused", async () => {
    const { service } = await start();
    await refused("INVALID", async () => service.create(await newApproval({ approvers: [] })));
    await refused("INVALID", async () => service.create(await newApproval({ approvers: ["dba"] })));
    await refused("INVALID", async () => service.create(await newApproval({ ttl_seconds: 0 })));
    await refused("INVALID", async () => service.create(await newApproval({ mode: "later" as "hold" })));
    const a = await service.create(await newApproval());
    await refused("INVALID", () => service.decide(a.id, bob, "approve", { use: "forever" as "once" }));
    assert.equal((await service.list()).map((r) => r.id), [a.id]);
  });

  test("every request and its state survive closing and reopening the store", async () => {
    const clock = manualClock();
    const { service, reopen } = await start({ now: clock.now });
    const pending = await service.create(await newApproval({ mode: "hold" }));
    const approved = await service.create(await newApproval({ request: { kind: "sql" as const, text: "DELETE FROM orders" } }));
    const denied = await service.create(await newApproval({ request: { kind: "sql" as const, text: "DROP TABLE orders" } }));
    await service.decide(approved.id, bob, "approve", { use: "window" });
    await service.decide(denied.id, dave, "deny", { reason: "never" });
    await service.findGrant({ requester: alice, target: prod, request: { kind: "sql" as const, text: "DELETE FROM orders" } });
    const before = await service.list();
    await service.close();
    const store = await reopen();
    const again = await ApprovalService.start({ store, log: () => undefined, now: clock.now, sweepIntervalMs: 0 });
    open.push(again);
    assert.equal(await again.list(), before);
    assert.is((await again.get(pending.id))?.status, "pending");
    assert.is((await again.get(approved.id))?.grant?.uses, 1);
    // Still decidable after the restart, and a stale version cannot be written over.
    assert.is((await again.decide(pending.id, bob, "approve")).version, 2);
    assert.is(await store.update(pending.id, 1, { status: "denied" }), undefined, "compare-and-set refuses a stale version");
  });

  test.run();
}
