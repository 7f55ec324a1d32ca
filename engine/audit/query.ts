import type { Effect } from "../policy/types.js";
import { recordShapeProblem } from "./chain.js";
import type { AuditSource } from "./store.js";
import type { AuditRecord } from "./types.js";

/** Which records to keep; every given field must match. */
export interface AuditFilter {
  /** The identity's subject (or the subject a failed login claimed). */
  subject?: string;
  /** The target's name. */
  target?: string;
  /** A reader scoped to these targets: records about any other target, or about none, are left out. */
  scope?: readonly string[];
  /** A decision's effect; records that are not decisions never match. */
  effect?: Effect;
  type?: string;
  session?: string;
  /** Kept when time >= since. */
  since?: Date;
  /** Kept when time < until. */
  until?: Date;
}

export function matches(record: AuditRecord, filter: AuditFilter): boolean {
  const event = record.event as unknown as Record<string, unknown>;
  const time = Date.parse(record.time);
  if (filter.since && time < filter.since.getTime()) return false;
  if (filter.until && time >= filter.until.getTime()) return false;
  if (filter.type !== undefined && event.type !== filter.type) return false;
  if (filter.effect !== undefined && event.effect !== filter.effect) return false;
  if (filter.session !== undefined && event.session_id !== filter.session) return false;
  if (filter.subject !== undefined && subjectOf(event) !== filter.subject) return false;
  if (filter.target !== undefined && targetOf(event) !== filter.target) return false;
  if (filter.scope !== undefined && !filter.scope.includes(targetOf(event) as string)) return false;
  return true;
}

function subjectOf(event: Record<string, unknown>): unknown {
  const identity = event.identity as { subject?: unknown } | undefined;
  return identity?.subject ?? event.claimed_subject;
}

function targetOf(event: Record<string, unknown>): unknown {
  const target = event.target as { name?: unknown } | string | undefined;
  return typeof target === "object" && target !== null ? target.name : target;
}

export interface ReadOptions {
  fromByte?: number;
  /** Called for each whole line that is not a record (the log is damaged: verify it). */
  onUnreadable?: (position: number) => void;
}

/** Reads the records of a log in order, with the byte offset just after each; a torn last line is skipped. */
export async function* readRecords(source: AuditSource, options: ReadOptions = {}): AsyncGenerator<{ record: AuditRecord; end: number }> {
  let end = options.fromByte ?? 0;
  const opts = options.fromByte === undefined ? undefined : { fromByte: options.fromByte };
  for await (const entry of source.entries(opts)) {
    if (!entry.terminated) return;
    end += Buffer.byteLength(entry.text) + 1;
    let value: unknown;
    try {
      value = JSON.parse(entry.text);
    } catch {
      options.onUnreadable?.(entry.position);
      continue;
    }
    if (recordShapeProblem(value)) options.onUnreadable?.(entry.position);
    else yield { record: value as AuditRecord, end };
  }
}
