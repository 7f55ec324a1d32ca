import { EMPTY_HEAD, hashRecord, recordShapeProblem } from "./chain.js";
import type { AuditSource, StoredEntry } from "./store.js";
import type { AuditRecord, ChainHead } from "./types.js";

/** What kind of damage broke the chain first. */
export type BreakKind = "edited" | "removed" | "reordered" | "inserted" | "torn" | "corrupt";

export interface ChainBreak {
  /** The first seq that cannot be trusted. */
  seq: number;
  kind: BreakKind;
  /** Where in the store (the line number of a file). */
  position: number;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Records verified before the first break (all of them when ok). */
  count: number;
  /** The last verified record's seq and hash. */
  head: ChainHead;
  problem?: ChainBreak;
}

/** A record the caller noted earlier (a head from a previous verify): it must still be there, unchanged. */
export interface Anchor {
  seq: number;
  hash: string;
}

/**
 * Walks the chain from seq 1 and reports the first broken link:
 * - torn: the last line has no newline (a write interrupted by a crash; opening the log cuts it off);
 * - corrupt: a line is not a well-formed record;
 * - edited: a record's hash does not match its contents, or matches but the next record's prev_hash
 *   does not (it was edited and re-hashed, or its successor was replaced);
 * - removed: the expected seq is missing and never appears later;
 * - reordered: the expected seq appears later, out of place;
 * - inserted: a seq appears again, or a record's prev_hash is not its predecessor's hash.
 * Records cut off the end leave a valid but shorter chain: pass an `anchor` noted earlier to catch that.
 */
export async function verifyChain(source: AuditSource, anchor?: Anchor): Promise<VerifyResult> {
  const entries = source.entries()[Symbol.asyncIterator]();
  try {
    return await walk(entries, anchor);
  } finally {
    await entries.return?.();
  }
}

async function walk(entries: AsyncIterator<StoredEntry>, anchor: Anchor | undefined): Promise<VerifyResult> {
  let head: ChainHead = EMPTY_HEAD;
  let previous: AuditRecord | undefined;
  const fail = (problem: ChainBreak): VerifyResult => ({ ok: false, count: head.seq, head, problem });
  for (let next = await entries.next(); !next.done; next = await entries.next()) {
    const entry = next.value;
    const expected = head.seq + 1;
    if (!entry.terminated) {
      return fail({ seq: expected, kind: "torn", position: entry.position, message: `line ${entry.position} is cut short (${Buffer.byteLength(entry.text)} bytes, no newline): a write was interrupted` });
    }
    const parsed = parse(entry);
    if (typeof parsed === "string") return fail({ seq: expected, kind: "corrupt", position: entry.position, message: `line ${entry.position} is not an audit record: ${parsed}` });
    const record = parsed;
    if (record.seq > expected) {
      const later = await findSeq(entries, expected);
      if (later !== undefined) {
        return fail({ seq: expected, kind: "reordered", position: later, message: `seq ${expected} is out of order: it is on line ${later}, after seq ${record.seq} (line ${entry.position})` });
      }
      return fail({ seq: expected, kind: "removed", position: entry.position, message: `seq ${expected} is missing: ${head.seq === 0 ? "the log starts" : `seq ${head.seq} is followed`} with seq ${record.seq} (line ${entry.position})` });
    }
    if (record.seq < expected) {
      return fail({ seq: expected, kind: "inserted", position: entry.position, message: `line ${entry.position} holds seq ${record.seq} again where seq ${expected} belongs` });
    }
    if (hashRecord(record) !== record.hash) {
      return fail({ seq: record.seq, kind: "edited", position: entry.position, message: `seq ${record.seq} was changed: its contents do not match its hash (line ${entry.position})` });
    }
    if (record.prev_hash !== head.hash) {
      if (previous) {
        const before = previous;
        head = { seq: before.seq - 1, hash: before.prev_hash };
        return fail({ seq: before.seq, kind: "edited", position: entry.position - 1, message: `seq ${record.seq}'s prev_hash is not seq ${before.seq}'s hash: seq ${before.seq} was changed and re-hashed, or seq ${record.seq} was replaced` });
      }
      return fail({ seq: record.seq, kind: "inserted", position: entry.position, message: `seq 1's prev_hash is not the genesis hash: the log does not start where it began` });
    }
    if (anchor && record.seq === anchor.seq && record.hash !== anchor.hash) {
      return fail({ seq: record.seq, kind: "edited", position: entry.position, message: `seq ${record.seq}'s hash is ${record.hash}, not the anchored ${anchor.hash}: the chain was rewritten from here or earlier` });
    }
    previous = record;
    head = { seq: record.seq, hash: record.hash };
  }
  if (anchor && anchor.seq > head.seq) {
    return fail({ seq: head.seq + 1, kind: "removed", position: head.seq + 1, message: `the log ends at seq ${head.seq} but seq ${anchor.seq} was anchored: records ${head.seq + 1}..${anchor.seq} were cut off the end` });
  }
  return { ok: true, count: head.seq, head };
}

function parse(entry: StoredEntry): AuditRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(entry.text);
  } catch {
    return "not JSON";
  }
  return recordShapeProblem(value) ?? (value as AuditRecord);
}

/** Reads on to find where `seq` is, if anywhere; returns its position. */
async function findSeq(entries: AsyncIterator<StoredEntry>, seq: number): Promise<number | undefined> {
  for (let next = await entries.next(); !next.done; next = await entries.next()) {
    const record = parse(next.value);
    if (typeof record !== "string" && record.seq === seq) return next.value.position;
  }
  return undefined;
}
