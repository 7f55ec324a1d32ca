import type { TargetFacts } from "../../engine/actions/index.js";
import { sqlRequest } from "../../engine/actions/sql/request.js";
import type { SqlAction, SqlStatement } from "../../engine/actions/sql/types.js";
import type { Action } from "../../engine/actions/types.js";
import type { Verdict } from "../../engine/decide.js";
import { messageOf } from "../../engine/errors.js";
import { deepFreeze, frozenId } from "../../engine/frozen.js";
import type { Allowance } from "../gate/budgets.js";
import type { HoldControl } from "../gate/types.js";
import { decidedOnStaleNames, targetFacts } from "./catalog-snapshot.js";
import type { PostgresGatewayContext } from "./context.js";
import type { GateSession } from "./gate-session.js";
import { callerMasks, guardStatement } from "./masking-guard.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import { errorOf, statementDenial } from "./refusal-errors.js";
import type { ResolvedMask } from "./row-masker.js";

export type GateResult =
  /** `sensitive`: the caller has masked columns, so the server's runtime error messages are withheld. `requestId`: what its result names. */
  | { ok: true; verdict: Verdict; requestId: number; statements: SqlStatement[]; masks: ResolvedMask[]; ddl: boolean; sensitive: boolean; rows?: Allowance }
  | { ok: false; verdict?: Verdict; error: ErrorFields };

/**
 * `run`: the request runs now (a Query, an Execute, SQL EXECUTE or FETCH). `prepare`: it only defines
 * something that runs later (a Parse message): nothing runs, so a statement that needs an approval is
 * prepared without one, and asks for its approval each time it is executed.
 */
export type GatePhase = "run" | "prepare";

/**
 * Passes one request (the text of a Query or Parse message, or what an execution runs) through the
 * session's request gate, with what only PostgreSQL knows: the target's catalog to resolve names
 * against, what the text does not show (views, functions, inheritance: masking-guard.ts), and the
 * masks to apply by the server's own column origins. Answers in PostgreSQL's terms.
 */
export async function gateStatement(context: PostgresGatewayContext, who: GateSession, sql: string, hold?: () => HoldControl, phase: GatePhase = "run"): Promise<GateResult> {
  // Names are resolved against the target's catalog, as the server resolves them; statements are
  // read with the target's own grammar.
  let facts: TargetFacts = await targetFacts(context.catalog(who.target), who.session, sql, (line) => context.log(line));
  if (who.serverMajor !== undefined) facts = { ...facts, serverMajor: who.serverMajor };
  let sensitive = false;
  const outcome = await who.gate.decide(sqlRequest(sql), {
    facts,
    redecide: (verdict) => (decidedOnStaleNames(facts, who.session, verdict) ? { ...facts, catalog: facts.catalog!.uncertainSearchPath() } : undefined),
    // SQL PREPARE alone, like a Parse, runs nothing: its approval is asked for by each EXECUTE of it.
    defers: (verdict) => phase === "prepare" || onlyPrepares(verdict.action),
    inspect: async (verdict) => {
      try {
        const guard = await guardStatement(context, who, verdict);
        sensitive = guard.sensitive;
        return guard.reasons;
      } catch (error) {
        context.log(`masking could not be checked, denying: ${messageOf(error)}`);
        return ["the columns masked for you could not be checked on the target"];
      }
    },
    ...(hold ? { hold } : {}),
  });
  if (!outcome.ok) {
    const error = errorOf(outcome.refusal);
    if (outcome.requestId !== undefined) reportError(context, who, outcome.requestId, error);
    return { ok: false, ...(outcome.verdict ? { verdict: outcome.verdict } : {}), error };
  }
  const { verdict, requestId } = outcome;
  const rows = outcome.allowance?.rows;
  // A SQL request is read as SQL; anything else here is a defect, refused rather than forwarded unread.
  if (verdict.action.kind !== "sql") return { ok: false, verdict, error: statementDenial("the request was not read as SQL") };
  const statements = verdict.action.statements;
  const ddl = statements.some((s) => s.category === "ddl");
  try {
    const masks = await resolveMasks(context, who, verdict, sensitive);
    return { ok: true, verdict, requestId, statements, masks, ddl, sensitive, ...(rows ? { rows } : {}) };
  } catch (error) {
    context.log(`masking could not be prepared, denying: ${messageOf(error)}`);
    return { ok: false, verdict, error: statementDenial("the columns to mask could not be prepared on the target") };
  }
}

/** The action document of `sql` from its text alone: no policy is asked and nothing is recorded. */
export async function readStatements(who: GateSession, sql: string): Promise<SqlAction> {
  const action = await who.gate.preview(sqlRequest(sql));
  return action.kind === "sql" ? action : { kind: "sql", statements: [], parse_error: { message: "not read as SQL", position: 0 } };
}

/** The error a refused request got, recorded as its result (the session recording shows it as the client saw it). */
export function reportError(context: PostgresGatewayContext, who: GateSession, requestId: number, error: ErrorFields): void {
  const event = { type: "result" as const, session_id: who.session.id, request_id: requestId, result: { error: { code: error.code, message: error.message } }, duration_us: 0 };
  context.record(event).catch((failure: unknown) => context.log(`recording a refusal failed: ${messageOf(failure)}`));
}

function onlyPrepares(action: Action): boolean {
  return action.kind === "sql" && action.statements.length > 0 && action.statements.every((s) => s.command === "PREPARE");
}

/**
 * The columns to mask on the wire, by the server's column origins: those the decision named, and (the
 * safety net) every column masked for the caller, so a result column the server reports as coming from
 * one is masked even where an analysis attributed it wrongly. A mask the gateway cannot apply (an
 * unknown strategy) throws now, not halfway through the rows.
 */
async function resolveMasks(context: PostgresGatewayContext, who: GateSession, verdict: Verdict, sensitive: boolean): Promise<ResolvedMask[]> {
  if (!verdict.decision.mask?.length && !sensitive) return [];
  // A decision shared by the decision cache (frozen) with the same caller masks resolves the same way
  // while the catalog entries it was resolved against last (ColumnCatalog.derived).
  if (!Object.isFrozen(verdict.decision)) return resolveNow(context, who, verdict, sensitive);
  const key = `masks ${frozenId(verdict.decision)} ${sensitive ? frozenId(callerMasks(context, who, verdict.revision)) : "-"}`;
  return context.catalog(who.target).derived(key, async () => deepFreeze(await resolveNow(context, who, verdict, sensitive)));
}

async function resolveNow(context: PostgresGatewayContext, who: GateSession, verdict: Verdict, sensitive: boolean): Promise<ResolvedMask[]> {
  const named = (verdict.decision.mask ?? []).map((rule) => {
    // A JSON path addresses a Kubernetes object, nothing in a result set: a policy that names one here cannot be carried out.
    if (!("column" in rule)) throw new Error(`mask of ${rule.json_path} addresses JSON, not a result column`);
    return rule;
  });
  const net = sensitive ? callerMasks(context, who, verdict.revision).rules : [];
  if (named.length === 0 && net.length === 0) return [];
  const catalog = context.catalog(who.target);
  const masks: ResolvedMask[] = [];
  for (const rule of named) {
    context.mask(rule, "");
    for (const origin of await catalog.resolve(rule.column)) masks.push({ origin, rule });
  }
  for (const rule of net) {
    context.mask(rule, "");
    for (const origin of await catalog.resolve(rule.column)) {
      if (!masks.some((m) => m.origin.tableOid === origin.tableOid && m.origin.attributeNumber === origin.attributeNumber)) masks.push({ origin, rule, net: true });
    }
  }
  return masks;
}
