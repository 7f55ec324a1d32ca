import { matches, readRecords, type AuditFilter } from "../../engine/audit/query.js";
import type { AuditSource } from "../../engine/audit/store.js";
import type { AuditRecord } from "../../engine/audit/types.js";
import type { Effect } from "../../engine/policy/types.js";

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
  /** The newest `limit` matching records, newest first. */
  records: AuditRecord[];
  /** How many records matched in all. */
  matched: number;
  /** Lines that are not records: the log is damaged and should be verified. */
  unreadable: number;
}

/** Reads the whole log once, keeping only the newest `limit` matches in memory. */
export async function searchAudit(source: AuditSource, filter: AuditFilter, limit: number): Promise<AuditResults> {
  const kept: AuditRecord[] = [];
  let matched = 0;
  let unreadable = 0;
  for await (const { record } of readRecords(source, { onUnreadable: () => (unreadable += 1) })) {
    if (!matches(record, filter)) continue;
    matched += 1;
    kept.push(record);
    if (kept.length > limit) kept.shift();
  }
  return { records: kept.reverse(), matched, unreadable };
}
