import { sqlShapeOf } from "../actions/sql/action-cache.js";
import { frozenId } from "../frozen.js";
import { STRING_BYTES, withinRecordBudget } from "./bound.js";
import { mayHoldSecretValue } from "./redact.js";
import type { AuditEvent, DecisionEvent } from "./types.js";

/** Whether the audit log uses skeletons at all (the differential test turns it off to compare). */
export const decisionLineReuse = { enabled: true };

const EVENT_KEYS = new Set(["action", "decision", "effect", "identity", "request", "session_id", "target", "type"]);
const MAX_SKELETONS = 4096;
/** A text this short can never be cut (bound.ts: no string over STRING_BYTES of UTF-8, at most 3 bytes a character). */
const SHORT_TEXT = Math.floor(STRING_BYTES / 3);

/**
 * Most decision events of a session differ from one another only in their SQL texts: the same shape of
 * statement (from the action cache) decided the same way (the same decision, shared by the decision
 * cache) for the same person on the same target. The first such event is prepared in full: serialized
 * as canonical JSON, searched for secret names and values, bounded and validated. Its JSON, with the
 * texts cut out, is kept as a skeleton; every later event of the same key is that skeleton with its own
 * texts put back, so it costs the texts' serialization and the secret-value search, nothing more.
 *
 * Sound because the key names everything in the event but the texts, and the parts it names by number
 * (the action's shape, the decision, the identity and the target) are frozen objects whose number
 * stands for their content for good (frozen.ts). An event with any part not named so (a new object, an
 * approval, anything the schema adds) is not looked up. A text cannot make a valid event invalid (the
 * schema wants a string), but it can hold a secret or be too long: each text is searched for secret
 * values as any event's JSON is, and a text that may hold one, or is over the bounds, takes the full path.
 */
export class DecisionLines {
  private readonly skeletons = new Map<string, string[]>();

  /** The key `event` would be found by, or undefined when it is not of the kind kept here. */
  keyOf(event: AuditEvent): string | undefined {
    if (event.type !== "decision") return undefined;
    for (const key in event) if (!EVENT_KEYS.has(key)) return undefined;
    const { action, decision, identity, target, request } = event;
    // Anything not shaped as the gateway makes it (the schema refuses it on the full path) is not looked up.
    if (!isObject(action) || !isObject(decision) || !isObject(identity) || !isObject(target) || !isObject(request)) return undefined;
    if (action.kind !== "sql" || request.kind !== "sql" || Object.keys(request).length !== 2) return undefined;
    const shape = sqlShapeOf(action);
    if (shape === undefined || !Object.isFrozen(decision) || !Object.isFrozen(identity) || !Object.isFrozen(target)) return undefined;
    return `${shape} ${frozenId(decision)} ${frozenId(identity)} ${frozenId(target)} ${event.effect} ${JSON.stringify(event.session_id)}`;
  }

  /**
   * The canonical JSON of `event` from the skeleton kept under `key`; undefined when none is kept, or
   * when a text is long or may hold a secret (the full path then redacts or cuts it).
   *
   * Only the texts are searched for secret values (redact.ts `mayHoldSecretValue`): the skeleton's
   * pieces were searched as part of the first event's JSON and held none, and no match can straddle a
   * piece and a text. Each text sits between two unescaped quotes, which neither the word PASSWORD, nor
   * a JWT's characters, nor a registered secret's JSON (whose every quote is escaped) contain.
   */
  jsonOf(key: string, event: DecisionEvent, secrets: readonly string[]): string | undefined {
    const pieces = this.skeletons.get(key);
    if (pieces === undefined) return undefined;
    const texts = textsOf(event);
    if (texts.length + 1 !== pieces.length) return undefined;
    let json = pieces[0]!;
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!;
      if (typeof text !== "string" || text.length > SHORT_TEXT) return undefined;
      const quoted = JSON.stringify(text);
      if (mayHoldSecretValue(quoted, secrets)) return undefined;
      json += quoted + pieces[i + 1]!;
    }
    // Over the smallest whole-record budget, the full path decides what to cut.
    return withinRecordBudget(json) ? json : undefined;
  }

  /**
   * Keeps the skeleton of `event`, whose canonical JSON `json` was prepared in full and came out
   * unchanged (nothing redacted, nothing cut) and valid.
   */
  learn(key: string, event: DecisionEvent, json: string, serialize: (event: AuditEvent) => string): void {
    const texts = textsOf(event);
    const marked: DecisionEvent = {
      ...event,
      action: { ...event.action, statements: event.action.kind === "sql" ? event.action.statements.map((s, i) => ({ ...s, text: mark(i) })) : [] },
      request: { ...event.request, text: mark(texts.length - 1) },
    } as DecisionEvent;
    const skeleton = serialize(marked);
    const pieces: string[] = [];
    let from = 0;
    for (let i = 0; i < texts.length; i++) {
      // The marker's JSON cannot occur in any other string of the event (a NUL there is escaped too),
      // and the place found must be the only one.
      const quoted = JSON.stringify(mark(i));
      const at = skeleton.indexOf(quoted, from);
      if (at < 0 || skeleton.indexOf(quoted, at + quoted.length) >= 0) return;
      pieces.push(skeleton.slice(from, at));
      from = at + quoted.length;
    }
    pieces.push(skeleton.slice(from));
    // Kept only when it gives back, with this event's own texts, exactly the JSON the full path made.
    if (pieces.map((piece, i) => (i === 0 ? piece : JSON.stringify(texts[i - 1]) + piece)).join("") !== json) return;
    if (this.skeletons.size >= MAX_SKELETONS) this.skeletons.clear();
    this.skeletons.set(key, pieces);
  }
}

/** The texts of a decision event in the order its canonical JSON holds them: each statement's, then the request's. */
function textsOf(event: DecisionEvent): string[] {
  const texts = event.action.kind === "sql" ? event.action.statements.map((s) => s.text) : [];
  texts.push((event.request as { text: string }).text);
  return texts;
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function mark(i: number): string {
  return `\u0000portcullis text ${i}\u0000`;
}
