import * as crypto from "node:crypto";
import { canonicalJson } from "./canonical-json.js";
import type { AuditEvent, AuditRecord, ChainHead } from "./types.js";

/** The prev_hash of seq 1: 64 zeros, so every record has a predecessor hash of the same shape. */
export const GENESIS_HASH = "0".repeat(64);
export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

/**
 * A record's hash: lowercase hex SHA-256 over the UTF-8 bytes of the canonical JSON (RFC 8785, see
 * canonical-json.ts) of the object {seq, time, prev_hash, event}. The hash covers its predecessor's
 * hash, so changing, removing or moving any record breaks every link after it.
 */
export function hashRecord(record: Pick<AuditRecord, "seq" | "time" | "prev_hash" | "event">): string {
  return hashOf(record, canonicalJson(record.event));
}

/**
 * The hash of a record whose event is already canonical JSON (`eventJson`): the record's canonical JSON
 * is then its four fields in sorted key order (event, prev_hash, seq, time) around those same bytes.
 */
function hashOf(record: Pick<AuditRecord, "seq" | "time" | "prev_hash">, eventJson: string, timeJson = JSON.stringify(record.time)): string {
  const body = `{"event":${eventJson},"prev_hash":${JSON.stringify(record.prev_hash)},"seq":${canonicalJson(record.seq)},"time":${timeJson}}`;
  return sha256Hex(body);
}

/**
 * Lowercase hex SHA-256 of a text's UTF-8 bytes: the one-shot `crypto.hash` where this Node.js has it
 * (20.12 and later), which skips building a Hash object (a third of the cost for a record's size).
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function" ? (text) => crypto.hash("sha256", text, "hex") : (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex");

/** An event to chain; `json`, when given, is its canonical JSON (so it is serialized once, not twice). */
export interface ChainEntry {
  time: string;
  event: AuditEvent;
  json?: string;
}

/** Chains events onto `head`, in order. Pure: the store decides when the result becomes the head. */
export function chainRecords(head: ChainHead, entries: ReadonlyArray<ChainEntry>): AuditRecord[] {
  return chainLines(head, entries).records;
}

/**
 * Chains events onto `head` and writes their lines: each event is serialized once, as canonical JSON,
 * and those bytes are both what is hashed and what the line holds.
 */
export function chainLines(head: ChainHead, entries: ReadonlyArray<ChainEntry>): { records: AuditRecord[]; text: string } {
  const records: AuditRecord[] = [];
  let text = "";
  let prev = head;
  for (const { time, event, json } of entries) {
    const seq = prev.seq + 1;
    const eventJson = json ?? canonicalJson(event);
    const timeJson = JSON.stringify(time);
    const record: AuditRecord = { seq, time, prev_hash: prev.hash, hash: "", event };
    record.hash = hashOf(record, eventJson, timeJson);
    records.push(record);
    text += `{"seq":${seq},"time":${timeJson},"prev_hash":"${record.prev_hash}","hash":"${record.hash}","event":${eventJson}}\n`;
    prev = { seq, hash: record.hash };
  }
  return { records, text };
}

/** A record as one line of the file: its fields in a fixed order, ending in a newline (chainLines writes the same, with the event canonical). */
export function recordLine(record: AuditRecord): string {
  return `${JSON.stringify({ seq: record.seq, time: record.time, prev_hash: record.prev_hash, hash: record.hash, event: record.event })}\n`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks that a parsed line has exactly a record's fields with the right types, so nothing can ride
 * along outside what the hash covers. Returns the problem, or null.
 */
export function recordShapeProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).filter((k) => !["seq", "time", "prev_hash", "hash", "event"].includes(k));
  if (extra.length > 0) return `unexpected field ${extra.join(", ")}`;
  if (!Number.isSafeInteger(record.seq) || (record.seq as number) < 1) return "seq is not a positive integer";
  if (typeof record.time !== "string" || Number.isNaN(Date.parse(record.time))) return "time is not a date";
  if (typeof record.prev_hash !== "string" || !HEX64.test(record.prev_hash)) return "prev_hash is not a SHA-256 hex digest";
  if (typeof record.hash !== "string" || !HEX64.test(record.hash)) return "hash is not a SHA-256 hex digest";
  const event = record.event as { type?: unknown } | null;
  if (typeof event !== "object" || event === null || typeof event.type !== "string") return "event has no type";
  return null;
}
