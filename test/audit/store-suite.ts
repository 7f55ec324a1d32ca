import { suite } from "uvu";
import * as assert from "uvu/assert";
import { AuditError, AuditLog, hashRecord, readRecords, verifyChain, type AuditEvent, type AuditRecord, type AuditSource, type AuditStore, type BreakKind } from "../../engine/audit/index.js";
import { decisionFor } from "./fixtures/events.js";

/** One log's worth of storage: empty for each test, and opened again (a restart, or another gateway). */
export interface AuditBacking {
  /** A new store instance over this backing's records. */
  open(): Promise<AuditStore>;
  /** Reads the records as `portcullis audit verify` does. */
  source: AuditSource;
  /** Replaces the stored record at `seq` with `record` behind the store's back (an attacker's edit). */
  rewrite(seq: number, record: AuditRecord): Promise<void>;
  /** Deletes the stored record at `seq`. */
  remove(seq: number): Promise<void>;
  /** Moves records `a` and `b` into each other's places. */
  swap(a: number, b: number): Promise<void>;
}

export interface AuditStoreHarness {
  name: string;
  before?(): Promise<void>;
  after?(): Promise<void>;
  fresh(): Promise<AuditBacking>;
  /**
   * Whether two store instances may write one log at once (a shared store: several gateways), or the
   * second is refused while the first holds it (the embedded file store).
   */
  sharedWriters: boolean;
  /** How verify names two swapped records: out of order in a file, changed where seq is a key. */
  swappedKind: BreakKind;
}

const end = (id: string): AuditEvent => ({ type: "session_end", session_id: id });

async function records(source: AuditSource): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const { record } of readRecords(source)) out.push(record);
  return out;
}

async function refusedWith(code: string, work: () => Promise<unknown>): Promise<AuditError> {
  try {
    await work();
  } catch (error) {
    assert.instance(error, AuditError);
    assert.is((error as AuditError).code, code, (error as Error).message);
    return error as AuditError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error("unreachable");
}

/**
 * What every audit store must give the audit log: the same tests run over the embedded file store and
 * over PostgreSQL (a real server).
 */
export function auditStoreSuite(harness: AuditStoreHarness): void {
  const test = suite(`audit log over the ${harness.name}`);
  const open: Array<AuditLog | AuditStore> = [];
  async function logOn(backing: AuditBacking, options: { secrets?: string[] } = {}): Promise<AuditLog> {
    const log = await AuditLog.over(await backing.open(), options);
    open.push(log);
    return log;
  }
  /** A log holding `count` session_end records s1..sN, closed. */
  async function written(count: number): Promise<{ backing: AuditBacking; written: AuditRecord[] }> {
    const backing = await harness.fresh();
    const log = await logOn(backing);
    const out: AuditRecord[] = [];
    for (let i = 1; i <= count; i++) out.push(await log.append(end(`s${i}`)));
    await log.close();
    return { backing, written: out };
  }
  if (harness.before) test.before(harness.before);
  test.after.each(async () => {
    for (const item of open.splice(0)) await item.close();
  });
  if (harness.after) test.after(harness.after);

  test("records read back exactly as appended and verify; reopening continues the chain", async () => {
    const backing = await harness.fresh();
    const first = await logOn(backing);
    const a = await first.append(await decisionFor("SELECT 'José ✓', E'\\x00' FROM users", { effect: "deny" }));
    // A NUL character: JSON escapes it, and it must come back (PostgreSQL text and jsonb refuse a raw one).
    const b = await first.append(end("a\u0000b"));
    await first.close();
    assert.is(a.seq, 1);
    assert.is(b.prev_hash, a.hash);
    const second = await logOn(backing);
    assert.equal(await second.head(), { seq: 2, hash: b.hash });
    const c = await second.append(end("b"));
    await second.close();
    assert.equal([c.seq, c.prev_hash], [3, b.hash]);
    const stored = await records(backing.source);
    assert.equal(stored, [a, b, c]);
    assert.equal(Object.keys(stored[0]!), ["seq", "time", "prev_hash", "hash", "event"]);
    for (const record of stored) assert.is(hashRecord(record), record.hash);
    assert.equal(await verifyChain(backing.source), { ok: true, count: 3, head: { seq: 3, hash: c.hash } });
  });

  test("concurrent appends on one log form one gapless chain", async () => {
    const backing = await harness.fresh();
    const log = await logOn(backing);
    const acked = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(end(`c${i}`))));
    await log.close();
    assert.equal(acked.map((r) => r.seq).sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i + 1));
    const result = await verifyChain(backing.source);
    assert.is(result.ok, true, result.problem?.message);
    assert.is(result.count, 300);
  });

  test(harness.sharedWriters ? "two store instances appending at once produce one valid chain with no gaps" : "a second store instance is refused while the first writes", async () => {
    const backing = await harness.fresh();
    const a = await logOn(backing);
    if (!harness.sharedWriters) {
      await refusedWith("AUDIT_LOG_LOCKED", () => backing.open());
      return;
    }
    const b = await logOn(backing);
    // Each instance appends in rounds of three concurrent events, so their batches interleave.
    const rounds = 50;
    const each = rounds * 3;
    const writer = async (log: AuditLog, name: string): Promise<AuditRecord[]> => {
      const out: AuditRecord[] = [];
      for (let r = 0; r < rounds; r++) out.push(...(await Promise.all([0, 1, 2].map((i) => log.append(end(`${name}${r}.${i}`))))));
      return out;
    };
    const [fromA, fromB] = await Promise.all([writer(a, "a"), writer(b, "b")]);
    const seqs = [...fromA, ...fromB].map((r) => r.seq).sort((x, y) => x - y);
    assert.equal(seqs, Array.from({ length: 2 * each }, (_, i) => i + 1), "every seq once, none missing");
    const lastA = Math.max(...fromA.map((r) => r.seq));
    const lastB = Math.max(...fromB.map((r) => r.seq));
    assert.ok(fromB.some((r) => r.seq < lastA) && fromA.some((r) => r.seq < lastB), "the two instances' batches interleaved");
    const result = await verifyChain(backing.source);
    assert.is(result.ok, true, result.problem?.message);
    assert.is(result.count, 2 * each);
    const stored = await records(backing.source);
    const ids = new Set(stored.map((r) => (r.event as { session_id: string }).session_id));
    assert.is(ids.size, 2 * each, "every acknowledged event is stored exactly once");
    for (const record of [...fromA, ...fromB]) assert.equal(stored[record.seq - 1], record);
  });

  test("verify finds a record edited in place", async () => {
    const { backing, written: w } = await written(5);
    const original = w[2]!;
    await backing.rewrite(3, { ...original, event: end("someone-else") });
    const result = await verifyChain(backing.source);
    assert.is(result.ok, false);
    assert.equal([result.problem?.kind, result.problem?.seq, result.count], ["edited", 3, 2]);
  });

  test("verify finds a record edited and re-hashed (its successor no longer links to it)", async () => {
    const { backing, written: w } = await written(5);
    const forged = { ...w[2]!, event: end("someone-else") };
    forged.hash = hashRecord(forged);
    await backing.rewrite(3, forged);
    const result = await verifyChain(backing.source);
    assert.is(result.ok, false);
    assert.equal([result.problem?.kind, result.problem?.seq], ["edited", 3]);
    assert.match(result.problem?.message ?? "", /seq 4's prev_hash is not seq 3's hash/);
  });

  test("verify finds a removed record", async () => {
    const { backing } = await written(5);
    await backing.remove(3);
    const result = await verifyChain(backing.source);
    assert.is(result.ok, false);
    assert.equal([result.problem?.kind, result.problem?.seq, result.count], ["removed", 3, 2]);
  });

  test("verify finds two records swapped", async () => {
    const { backing } = await written(5);
    await backing.swap(2, 4);
    const result = await verifyChain(backing.source);
    assert.is(result.ok, false);
    assert.equal([result.problem?.kind, result.problem?.seq, result.count], [harness.swappedKind, 2, 1]);
  });

  test("records cut off the end are caught against an anchor noted earlier", async () => {
    const { backing, written: w } = await written(5);
    const anchor = { seq: 5, hash: w[4]!.hash };
    assert.is((await verifyChain(backing.source, anchor)).ok, true);
    await backing.remove(5);
    await backing.remove(4);
    const result = await verifyChain(backing.source, anchor);
    assert.equal([result.ok, result.problem?.kind, result.problem?.seq], [false, "removed", 4]);
  });

  test("nothing is chained onto a last record that was changed: writing is refused until verified", async () => {
    const { backing, written: w } = await written(3);
    await backing.rewrite(3, { ...w[2]!, event: end("rewritten") });
    const error = await refusedWith("AUDIT_LOG_CORRUPT", async () => {
      const log = await logOn(backing);
      await log.append(end("after"));
    });
    assert.match(error.message, /does not match its hash/);
    assert.is((await records(backing.source)).length, 3, "nothing was appended");
  });

  test("secrets never reach the store: the redaction guard runs before every append", async () => {
    const backing = await harness.fresh();
    const log = await logOn(backing, { secrets: ["hunter2-target-pw"] });
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    const event = {
      ...(await decisionFor("ALTER ROLE bob PASSWORD 'letmein'; SELECT 'hunter2-target-pw'")),
      access_token: jwt,
    } as AuditEvent;
    const failure = { type: "auth_failure", protocol: "postgres", code: "expired", detail: `token ${jwt} refused` } as AuditEvent;
    await log.append(event);
    await log.append(failure);
    await log.close();
    const stored = await records(backing.source);
    const text = JSON.stringify(stored);
    for (const secret of ["hunter2-target-pw", "letmein", jwt]) assert.not.ok(text.includes(secret), `${secret} reached the store`);
    assert.ok(stored[0]?.event.redacted?.includes("/access_token"));
    assert.ok(stored[0]?.event.redacted?.includes("/request/text"));
    assert.equal(stored[1]?.event.redacted, ["/detail"]);
    assert.is((await verifyChain(backing.source)).ok, true);
  });

  test.run();
}
