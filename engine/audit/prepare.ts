import { boundEvent } from "./bound.js";
import { redact, type RedactOptions } from "./redact.js";
import type { AuditEvent } from "./types.js";

/**
 * What the audit log stores of an event: redacted, then bounded. Bounded after redaction: secrets are
 * scrubbed from the whole text before any of it is cut.
 */
export function prepareEvent(event: AuditEvent, options: RedactOptions): AuditEvent {
  const { value, removed } = redact(event, options);
  return boundEvent(removed.length > 0 ? { ...value, redacted: [...(value.redacted ?? []), ...removed] } : value);
}

/** Characters of text an event carries, roughly: the request and its statements' texts dominate. */
export function eventWeight(event: AuditEvent): number {
  let weight = "request" in event && typeof event.request?.text === "string" ? event.request.text.length : 0;
  if ("action" in event && event.action.kind === "sql") {
    for (const statement of event.action.statements) weight += statement.text.length + 200;
  }
  return weight;
}
