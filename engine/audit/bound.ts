import { createHash } from "node:crypto";
import type { AuditEvent, AuditRequest } from "./types.js";

/**
 * Keeps every audit record small whatever the request held. A request's text is kept up to
 * `REQUEST_TEXT_BYTES` with the full text's byte length and SHA-256 (so the record still identifies
 * exactly what was sent); the statements' own texts share one budget of the same size; any other
 * string (a reason quoting the statement, a setting's value, a name) is cut at `STRING_BYTES`; lists
 * are cut at `LIST_ITEMS` entries (reasons at `REASONS`). Every cut is listed in `truncated`, as
 * JSON-pointer paths, so a reader knows the record is not the whole story.
 *
 * Applied after redaction: a secret is scrubbed from the whole text before any of it is cut, so a
 * cut can never leave half a password literal the redaction would no longer recognise, and the hash
 * is of the text as recorded (a hash of a secret would let it be guessed offline).
 */
export const REQUEST_TEXT_BYTES = 8 * 1024;
export const STRING_BYTES = 1024;
export const LIST_ITEMS = 1000;
export const REASONS = 100;
/** The statements of an action, together, in JSON. */
export const STATEMENTS_BYTES = 32 * 1024;
/** The reasons of a decision, together, in JSON. */
export const REASONS_BYTES = 16 * 1024;
/** At most this many paths are listed in `truncated`; a last entry says how many more there were. */
const TRUNCATED_PATHS = 50;

/**
 * True when `boundEvent` would leave `event` as it is, told without copying it: its canonical JSON
 * (`json`) is within the smallest whole-record budget, so no text, statement list or reason list can be
 * over its own; and no string anywhere is over STRING_BYTES, no list over REASONS entries.
 */
export function withinBounds(event: AuditEvent, json: string): boolean {
  return withinRecordBudget(json) && smallEnough(event);
}

/** True when an event's JSON is within the smallest whole-record budget (REQUEST_TEXT_BYTES of UTF-8). */
export function withinRecordBudget(json: string): boolean {
  return json.length <= REQUEST_TEXT_BYTES && (json.length * 3 <= REQUEST_TEXT_BYTES || Buffer.byteLength(json, "utf8") <= REQUEST_TEXT_BYTES);
}

function smallEnough(node: unknown): boolean {
  if (typeof node === "string") return node.length * 3 <= STRING_BYTES || Buffer.byteLength(node, "utf8") <= STRING_BYTES;
  if (Array.isArray(node)) return node.length <= REASONS && node.every(smallEnough);
  if (typeof node === "object" && node !== null) {
    for (const key in node) if (!smallEnough((node as Record<string, unknown>)[key])) return false;
  }
  return true;
}

export function boundEvent<T extends AuditEvent>(event: T): T {
  const cuts: string[] = [];
  const out: Record<string, unknown> = { ...event };
  if ("request" in event && event.request) out.request = boundRequest(event.request, cuts);
  // Statement texts are slices of the request: together they get no more room than the request.
  let budget = REQUEST_TEXT_BYTES;
  const walk = (node: unknown, path: string, key: string): unknown => {
    if (typeof node === "string") {
      if (key === "text" && /^\/action\/statements\/\d+$/.test(parentOf(path))) {
        const kept = cutUtf8(node, budget);
        budget -= Buffer.byteLength(kept, "utf8");
        if (kept !== node) cuts.push(path);
        return kept;
      }
      const kept = cutUtf8(node, STRING_BYTES);
      if (kept !== node) cuts.push(path);
      return kept;
    }
    if (Array.isArray(node)) {
      const max = path === "/decision/reasons" || path === "/reasons" ? REASONS : LIST_ITEMS;
      const items = node.slice(0, max).map((item, i) => walk(item, `${path}/${i}`, String(i)));
      if (node.length > max) {
        cuts.push(`${path} (${node.length - max} of ${node.length} entries left out)`);
        // A reason list says how many reasons were left out in the reasons themselves.
        if (max === REASONS) items.push(`… and ${node.length - max} more reasons`);
      }
      return items;
    }
    if (typeof node === "object" && node !== null) {
      const copy: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(node)) copy[k] = walk(child, `${path}/${pointerKey(k)}`, k);
      return copy;
    }
    return node;
  };
  for (const key of ["action", "decision", "reasons", "detail", "reason", "approval"] as const) {
    if (key in out) out[key] = walk(out[key], `/${key}`, key);
  }
  // Every entry is now small, but a long list of them is not: the statements and the reasons each
  // keep only as many leading entries as fit their share of the record.
  const action = out.action as { statements?: unknown[] } | undefined;
  if (action && Array.isArray(action.statements)) out.action = { ...action, statements: fitList(action.statements, STATEMENTS_BYTES, "/action/statements", cuts) };
  const decision = out.decision as { reasons?: unknown[] } | undefined;
  if (decision && Array.isArray(decision.reasons)) out.decision = { ...decision, reasons: fitList(decision.reasons, REASONS_BYTES, "/decision/reasons", cuts) };
  if (Array.isArray(out.reasons)) out.reasons = fitList(out.reasons, REASONS_BYTES, "/reasons", cuts);
  if (cuts.length === 0) return event;
  const listed = cuts.slice(0, TRUNCATED_PATHS);
  if (cuts.length > TRUNCATED_PATHS) listed.push(`… and ${cuts.length - TRUNCATED_PATHS} more`);
  out.truncated = [...(event.truncated ?? []), ...listed];
  return out as unknown as T;
}

/** The longest leading part of `list` whose JSON takes at most `maxBytes`; a cut is listed in `cuts`. */
function fitList(list: unknown[], maxBytes: number, path: string, cuts: string[]): unknown[] {
  const size = (items: unknown[]): number => Buffer.byteLength(JSON.stringify(items), "utf8");
  if (size(list) <= maxBytes) return list;
  let keep = list.length;
  while (keep > 0 && size(list.slice(0, keep)) > maxBytes) keep = Math.floor(keep / 2);
  // Grow back in smaller steps: halving alone can keep far fewer than would fit.
  for (let step = Math.max(1, Math.floor(keep / 2)); step >= 1; step = Math.floor(step / 2)) {
    while (keep + step <= list.length && size(list.slice(0, keep + step)) <= maxBytes) keep += step;
  }
  cuts.push(`${path} (${list.length - keep} of ${list.length} entries left out)`);
  return list.slice(0, keep);
}

/** The request's text cut at the limit, with the whole text's size and digest when it was cut. */
function boundRequest(request: AuditRequest, cuts: string[]): AuditRequest {
  const text = request.text;
  if (typeof text !== "string") return request;
  const kept = cutUtf8(text, REQUEST_TEXT_BYTES);
  if (kept === text) return request;
  cuts.push("/request/text");
  return {
    ...request,
    text: kept,
    text_bytes: Buffer.byteLength(text, "utf8"),
    text_sha256: createHash("sha256").update(text, "utf8").digest("hex"),
  };
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a character boundary. */
export function cutUtf8(text: string, maxBytes: number): string {
  // Each character takes at least one byte: a text no longer than the limit in characters may fit.
  if (text.length <= maxBytes && Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  // A prefix must not end halfway through a surrogate pair: that half would encode as U+FFFD.
  const chars = maxBytes > 0 && isHighSurrogate(text.charCodeAt(maxBytes - 1)) ? maxBytes - 1 : maxBytes;
  const bytes = Buffer.from(text.slice(0, chars), "utf8");
  let end = Math.min(maxBytes, bytes.length);
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

function pointerKey(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}
