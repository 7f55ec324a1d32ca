import { boundEvent, withinBounds } from "./bound.js";
import { canonicalJson } from "./canonical-json.js";
import { isSecretNameKnown, mayHoldSecretValue, redact, usableSecrets, type RedactOptions } from "./redact.js";
import type { AuditEvent } from "./types.js";

/**
 * What the audit log stores of an event: redacted, then bounded. Bounded after redaction: secrets are
 * scrubbed from the whole text before any of it is cut.
 */
export function prepareEvent(event: AuditEvent, options: RedactOptions): AuditEvent {
  const { value, removed } = redact(event, options);
  return boundEvent(removed.length > 0 ? { ...value, redacted: [...(value.redacted ?? []), ...removed] } : value);
}

/**
 * `prepareEvent` with the event's canonical JSON, in one serialization when nothing is to be redacted
 * or cut (nearly every event): the redaction guard's quick look reads the same canonical text that is
 * then hashed and written (chain.ts), and the event is neither copied nor serialized again.
 */
export function prepareEventJson(event: AuditEvent, options: RedactOptions): { event: AuditEvent; json: string } {
  // The name rule looks at field names only: they are checked as the serializer meets them, and the
  // text is searched only for what the value rules look for.
  let secretName = false;
  const text = canonicalJson(event, (key) => {
    if (!secretName && isSecretNameKnown(key)) secretName = true;
  });
  if (secretName || mayHoldSecretValue(text, usableSecrets(options))) {
    const clean = prepareEvent(event, options);
    return { event: clean, json: canonicalJson(clean) };
  }
  if (withinBounds(event, text)) return { event, json: text };
  const bounded = boundEvent(event);
  return bounded === event ? { event, json: text } : { event: bounded, json: canonicalJson(bounded) };
}

/** Characters of text an event carries, roughly: the request and its statements' texts dominate. */
export function eventWeight(event: AuditEvent): number {
  let weight = "request" in event && typeof event.request?.text === "string" ? event.request.text.length : 0;
  if ("action" in event && event.action.kind === "sql") {
    for (const statement of event.action.statements) weight += statement.text.length + 200;
  }
  return weight;
}
