import { sqlShapeOf } from "../actions/sql/action-cache.js";
import { canonicalJson } from "../audit/canonical-json.js";
import { deepFreeze, frozenId } from "../frozen.js";
import type { PolicyEvaluator } from "./evaluator.js";
import type { Decision, PolicyInput } from "./types.js";

/**
 * Decisions already made by one loaded policy, by their whole input. The input holds the session, so
 * an entry only ever serves the session it was made for; the cache belongs to one evaluator (one policy
 * revision with its data), so a reload, which serves a new evaluator, starts with an empty one before
 * its first decision.
 *
 * Only a policy that decides the same input the same way is cached: one that calls a builtin whose
 * answer changes between calls (the time, random numbers, UUIDs, HTTP, the runtime) is asked every
 * time. Inputs with an approval's grant are asked every time too (a grant is used once).
 */

/**
 * Builtins whose result is not a function of their arguments. A policy's WASM module names every builtin
 * it imports from the SDK in a table of NUL-terminated names inside the module, so the bytes are
 * searched for the names: a false alarm only turns the cache off.
 */
const NON_DETERMINISTIC = ["time.now_ns", "rand.intn", "uuid.rfc4122", "uuid.parse", "http.send", "opa.runtime", "net.lookup_ip_addr", "crypto.x509.parse_and_verify_certificates", "io.jwt.decode_verify"];

const MAX_ENTRIES = 8192;

export class DecisionCache {
  /** Decisions in canonical key order, frozen: every hit hands out the same object. */
  private readonly entries = new Map<string, Decision>();
  /** Whether the key leaves out each SQL statement's text: only when the policy provably never reads it. */
  private readonly withoutText: boolean;
  hits = 0;
  misses = 0;

  constructor(options: { withoutStatementText: boolean }) {
    this.withoutText = options.withoutStatementText;
  }

  /** The decision for `input`, asked of `decide` only when this exact input was not decided before. */
  decide(input: PolicyInput, decide: () => Decision): Decision {
    const key = this.keyOf(input);
    const known = this.entries.get(key);
    if (known !== undefined) {
      this.hits++;
      return known;
    }
    this.misses++;
    // Kept in canonical key order, so the audit log serializes it as it stands, and frozen: a caller
    // builds its own decision around this one (as a denial does), never changes it.
    const decision = deepFreeze(JSON.parse(canonicalJson(decide())) as Decision);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, decision);
    return decision;
  }

  /**
   * The whole input, or, for a policy that cannot read a statement's text, the input with each text left
   * out: statements that differ only in their literals then share one decision. The rest of the action
   * document (what the text does) is in the key either way.
   */
  private keyOf(input: PolicyInput): string {
    const action = input.action;
    if (!this.withoutText || action.kind !== "sql") return `input ${JSON.stringify(input)}`;
    // A document from the action cache is named by its shape (the document without texts), and the
    // session's identity and session by numbers of their own (they are frozen, so those stay true):
    // the key is a few characters, and nothing is serialized but the (small) target.
    const shape = input.approval === undefined ? sqlShapeOf(action) : undefined;
    if (shape !== undefined) return `shape ${frozenId(input.identity)} ${frozenId(input.session)} ${shape} ${JSON.stringify(input.target)}`;
    return `input ${JSON.stringify({ ...input, action: { ...action, statements: action.statements.map((s) => ({ ...s, text: "" })) } })}`;
  }
}

/** Whether the decision cache is used at all (the differential test turns it off to compare). */
export const decisionCaching = { enabled: true };

const caches = new WeakMap<PolicyEvaluator, DecisionCache | null>();

/** The cache of one loaded policy, or null when its decisions must not be reused. */
export function decisionCacheOf(evaluator: PolicyEvaluator): DecisionCache | null {
  let cache = caches.get(evaluator);
  if (cache === undefined) {
    const bundle = evaluator.bundle;
    cache = deterministic(bundle.wasm) ? new DecisionCache({ withoutStatementText: !bundle.readsStatementText.reads }) : null;
    caches.set(evaluator, cache);
  }
  return cache;
}

/** False when the module may call a builtin whose answer changes from call to call. */
export function deterministic(wasm: Buffer): boolean {
  return !NON_DETERMINISTIC.some((name) => wasm.includes(name));
}
