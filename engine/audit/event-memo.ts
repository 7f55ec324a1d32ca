import type { AuditEvent } from "./types.js";

/**
 * Decisions on a statement executed again (a prepared statement's Execute) leave the same audit event
 * every time. Such an event was redacted (nothing to remove), bounded (nothing to cut), validated and
 * serialized to canonical JSON the first time; this remembers that canonical JSON by the event's plain
 * JSON, so a repeat costs one JSON.stringify instead of all four.
 *
 * Only events whose request text was seen before are looked up, so text seen once (simple-protocol
 * statements with other literals each time) does not pay for the lookup. An event that needed
 * redaction or a cut is never remembered.
 */
const MAX_TEXTS = 4096;
const MAX_EVENTS = 1024;
const MAX_TEXT_CHARS = 8192;

export class EventMemo {
  private readonly seen = new Set<string>();
  private readonly prepared = new Map<string, string>();

  /** The key to look `event` up by, or undefined when it is not worth looking up. */
  keyOf(event: AuditEvent): string | undefined {
    const text = event.type === "decision" ? event.request?.text : undefined;
    if (typeof text !== "string" || text.length > MAX_TEXT_CHARS) return undefined;
    if (!this.seen.has(text)) {
      if (this.seen.size >= MAX_TEXTS) this.seen.clear();
      this.seen.add(text);
      return undefined;
    }
    return JSON.stringify(event);
  }

  /** The canonical JSON of an event already prepared and validated unchanged. */
  get(key: string): string | undefined {
    return this.prepared.get(key);
  }

  remember(key: string, json: string): void {
    if (this.prepared.size >= MAX_EVENTS) this.prepared.clear();
    this.prepared.set(key, json);
  }
}
