import { matches, readRecords, type AuditFilter } from "../../engine/audit/query.js";
import type { AuditSource } from "../../engine/audit/store.js";
import type { AuditRecord } from "../../engine/audit/types.js";
import type { Effect } from "../../engine/policy/types.js";
import type { Key, PageRequest } from "./paging.js";

export const EFFECTS: readonly Effect[] = ["allow", "deny", "mask", "approval"];
export const EVENT_TYPES = ["decision", "session_start", "session_end", "auth_failure", "approval_requested", "approval_decided", "log_repaired"] as const;

/** The audit page's filters as the form sends them (all optional), and what they mean. */
export interface AuditQuery {
  subject: string;
  target: string;
  decision: string;
  type: string;
  since: string;
  until: string;
}

/** The filter a query asks for, or the reason it cannot be used (a time that is not a time). */
export function filterOf(query: AuditQuery): { filter: AuditFilter } | { problem: string } {
  const filter: AuditFilter = {};
  if (query.subject) filter.subject = query.subject;
  if (query.target) filter.target = query.target;
  if (query.decision) {
    if (!(EFFECTS as readonly string[]).includes(query.decision)) return { problem: `decision must be one of ${EFFECTS.join(", ")}` };
    filter.effect = query.decision as Effect;
  }
  if (query.type) {
    if (!(EVENT_TYPES as readonly string[]).includes(query.type)) return { problem: `type must be one of ${EVENT_TYPES.join(", ")}` };
    filter.type = query.type;
  }
  for (const name of ["since", "until"] as const) {
    if (!query[name]) continue;
    const time = parseTime(query[name]);
    if (time === undefined) return { problem: `${name} must be a time such as 2026-11-23T10:00 (UTC) or an ISO 8601 time with a zone` };
    filter[name] = time;
  }
  return { filter };
}

/** ISO 8601; a time without a zone (what a datetime-local field sends) is UTC, as the page says. */
function parseTime(text: string): Date | undefined {
  const withZone = /(?:Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`;
  const time = Date.parse(withZone);
  return Number.isNaN(time) ? undefined : new Date(time);
}

export interface AuditResults {
  /** At most `limit` matching records next to the cursor (the newest without one), newest first. */
  records: AuditRecord[];
  /** How many records matched in all. */
  matched: number;
  /** Lines that are not records: the log is damaged and should be verified. */
  unreadable: number;
  /** Matching records older than the oldest shown exist: ask `before` its seq. */
  older?: Key;
  /** Matching records newer than the newest shown exist: ask `after` its seq. */
  newer?: Key;
}

/**
 * Reads the whole log once (to count the matches), keeping only the page's records in memory: the
 * newest `limit` matches before `page.before`, the oldest `limit` after `page.after`, or the newest
 * `limit`. Sequence numbers rise through the log, so a record's seq is its place.
 */
export async function searchAudit(source: AuditSource, filter: AuditFilter, limit: number, page: PageRequest = {}): Promise<AuditResults> {
  const kept: AuditRecord[] = [];
  let matched = 0;
  let unreadable = 0;
  let outside = false; // a match on the far side of the cursor
  let inside = 0; // matches on the near side, kept or not
  for await (const { record } of readRecords(source, { onUnreadable: () => (unreadable += 1) })) {
    if (!matches(record, filter)) continue;
    matched += 1;
    if ((page.before && record.seq >= page.before.at) || (page.after && record.seq <= page.after.at)) {
      outside = true;
      continue;
    }
    inside += 1;
    if (page.after) {
      if (kept.length < limit) kept.push(record);
    } else {
      kept.push(record);
      if (kept.length > limit) kept.shift();
    }
  }
  const results: AuditResults = { records: [...kept].reverse(), matched, unreadable };
  const oldest = kept[0];
  const newest = kept[kept.length - 1];
  if (oldest && (page.after ? outside : inside > kept.length)) results.older = { at: oldest.seq, id: "" };
  if (newest && (page.after ? inside > kept.length : outside)) results.newer = { at: newest.seq, id: "" };
  return results;
}
