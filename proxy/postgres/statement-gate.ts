import type { Verdict } from "../../engine/decide.js";
import type { ApprovalGrant, Identity, SessionInfo } from "../../engine/policy/types.js";
import type { TargetFacts } from "../../engine/actions/index.js";
import { awaitApproval, type HoldControl } from "./approval-hold.js";
import type { PostgresGatewayContext } from "./context.js";
import { decidedOnStaleNames, targetFacts } from "./catalog-snapshot.js";
import { callerMasks, guardStatement } from "./masking-guard.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import type { ResolvedMask } from "./row-masker.js";
import type { PostgresTarget } from "./upstream/target.js";
import { messageOf } from "../../engine/errors.js";

export type GateResult =
  /** `sensitive`: the caller has masked columns, so the server's runtime error messages are withheld. */
  | { ok: true; verdict: Verdict; masks: ResolvedMask[]; ddl: boolean; sensitive: boolean }
  | { ok: false; verdict?: Verdict; error: ErrorFields };

export interface GateSession {
  identity: Identity;
  session: SessionInfo;
  target: PostgresTarget;
  /** The target server's major version, as it reported `server_version` at login. */
  serverMajor?: number;
}

/**
 * `run`: the request runs now (a Query, an Execute, SQL EXECUTE or FETCH). `prepare`: it only defines
 * something that runs later (a Parse message): nothing runs, so a statement that needs an approval is
 * prepared without one, and asks for its approval each time it is executed.
 */
export type GatePhase = "run" | "prepare";

/**
 * Decides one request (the text of a Query or Parse message, or what an execution runs) and records the
 * decision durably before anything is forwarded. Every failure on the way is a denial with a reason the
 * client can read.
 */
export async function gateStatement(context: PostgresGatewayContext, who: GateSession, sql: string, hold?: () => HoldControl, phase: GatePhase = "run"): Promise<GateResult> {
  // Names are resolved against the target's catalog, as the server resolves them.
  let facts = await targetFacts(context.catalog(who.target), who.session, sql, (line) => context.log(line));
  // Statements are read with the target's own grammar too.
  if (who.serverMajor !== undefined) facts = { ...facts, serverMajor: who.serverMajor };
  let verdict = await evaluate(context, who, sql, undefined, facts);
  if (decidedOnStaleNames(facts, who.session, verdict)) verdict = await evaluate(context, who, sql, undefined, (facts = { ...facts, catalog: facts.catalog!.uncertainSearchPath() }));
  const desk = context.approvals;
  // SQL PREPARE alone, like a Parse, runs nothing: its approval is asked for by each EXECUTE of it.
  const prepareOnly = verdict.effect === "approval" && (phase === "prepare" || onlyPrepares(verdict));
  if (prepareOnly) return settle(context, who, sql, verdict, true);
  // An earlier approval (a ticket) can only change a decision that requires one: the approval store is
  // asked then, not on every statement.
  if (desk && verdict.effect === "approval") {
    let grant: ApprovalGrant | undefined;
    try {
      grant = await desk.findGrant(who, sql);
    } catch (error) {
      context.log(`approval lookup failed: ${messageOf(error)}`);
    }
    if (grant) verdict = await evaluate(context, who, sql, grant, facts);
  }
  const result = await settle(context, who, sql, verdict);
  if (!desk || result.ok || result.verdict?.effect !== "approval") return result;
  return awaitApproval(desk, who, sql, result.verdict, hold, async (approved) => settle(context, who, sql, await evaluate(context, who, sql, approved, facts)));
}

/** What the policy makes of `sql` from the text alone, without recording it: for reading its action document. */
export function preview(context: PostgresGatewayContext, who: GateSession, sql: string): Promise<Verdict> {
  return evaluate(context, who, sql, undefined, {});
}

function evaluate(context: PostgresGatewayContext, who: GateSession, sql: string, grant: ApprovalGrant | undefined, facts: TargetFacts): Promise<Verdict> {
  return context.decideAsync({
    facts,
    identity: who.identity,
    session: who.session,
    target: { name: who.target.name, type: "postgres", tags: who.target.tags },
    request: { sql },
    ...(grant ? { approval: grant } : {}),
  });
}

function onlyPrepares(verdict: Verdict): boolean {
  const statements = verdict.action.statements;
  return statements.length > 0 && statements.every((s) => s.command === "PREPARE");
}

/**
 * Checks what the policy cannot see, records the decision, and turns it into what the relay does.
 * `prepareOnly`: a decision that requires approval lets the statement be prepared (not run).
 */
async function settle(context: PostgresGatewayContext, who: GateSession, sql: string, decided: Verdict, prepareOnly = false): Promise<GateResult> {
  let verdict = decided;
  let sensitive = false;
  if (verdict.effect === "allow" || verdict.effect === "mask" || prepareOnly) {
    // What the text does not show (views, functions, inheritance) is checked before the decision is recorded.
    try {
      const guard = await guardStatement(context, who, verdict);
      sensitive = guard.sensitive;
      if (guard.reasons.length > 0) verdict = deniedBy(verdict, guard.reasons);
    } catch (error) {
      context.log(`masking could not be checked, denying: ${messageOf(error)}`);
      verdict = deniedBy(verdict, ["the columns masked for you could not be checked on the target"]);
    }
  }
  try {
    await context.record({ type: "decision", session_id: who.session.id, request: sql, verdict });
  } catch (error) {
    context.log(`audit write failed, denying: ${messageOf(error)}`);
    return { ok: false, verdict, error: denial("the audit log could not record this statement") };
  }
  switch (verdict.effect) {
    case "deny":
      return { ok: false, verdict, error: refusalOf(verdict) };
    case "approval": {
      if (prepareOnly) break;
      const approval = verdict.decision.approval;
      const who = approval?.approvers?.join(", ") ?? "an approver";
      const reason = approval?.reason ?? verdict.decision.reasons.join("; ");
      return {
        ok: false,
        verdict,
        error: { code: SQLSTATE.insufficientPrivilege, message: `Portcullis: approval required from ${who}: ${reason}`, hint: "this statement needs a human approval before it can run" },
      };
    }
    default:
      break;
  }
  const ddl = verdict.action.statements.some((s) => s.category === "ddl");
  const named = verdict.decision.mask ?? [];
  // The safety net: a result column the server itself reports as coming from a column masked for the
  // caller is masked even where the decision did not name it, so an analysis that attributes a value
  // to the wrong column (or a definition the gateway followed wrongly) cannot pass it through clear.
  const net = sensitive ? callerMasks(context, who, verdict.revision).rules : [];
  if (named.length === 0 && net.length === 0) return { ok: true, verdict, masks: [], ddl, sensitive };
  try {
    const catalog = context.catalog(who.target);
    const masks: ResolvedMask[] = [];
    for (const rule of named) {
      // A mask the gateway cannot apply (an unknown strategy) denies now, not halfway through the rows.
      context.mask(rule, "");
      for (const origin of await catalog.resolve(rule.column)) masks.push({ origin, rule });
    }
    for (const rule of net) {
      context.mask(rule, "");
      for (const origin of await catalog.resolve(rule.column)) {
        if (!masks.some((m) => m.origin.tableOid === origin.tableOid && m.origin.attributeNumber === origin.attributeNumber)) masks.push({ origin, rule, net: true });
      }
    }
    return { ok: true, verdict, masks, ddl, sensitive };
  } catch (error) {
    context.log(`masking could not be prepared, denying: ${messageOf(error)}`);
    return { ok: false, verdict, error: denial("the columns to mask could not be prepared on the target") };
  }
}

/** The verdict as the gateway carried it out: denied for `reasons` the policy could not see. */
function deniedBy(verdict: Verdict, reasons: string[]): Verdict {
  const decision: Verdict["decision"] = { allow: false, reasons };
  if (verdict.decision.policy_revision !== undefined) decision.policy_revision = verdict.decision.policy_revision;
  return { ...verdict, effect: "deny", decision };
}

/**
 * A statement that does not parse is answered as the server would answer it: 42601 at its position
 * (1-based, in characters). Any other denial is 42501 with the policy's reasons.
 */
function refusalOf(verdict: Verdict): ErrorFields {
  const parseError = verdict.action.parse_error;
  if (parseError && /syntax error|unterminated|invalid|zero-length/i.test(parseError.message)) {
    return { code: SQLSTATE.syntaxError, message: parseError.message, position: parseError.position + 1, detail: `Portcullis denied this statement: ${verdict.decision.reasons.join("; ")}` };
  }
  return denial(verdict.decision.reasons.join("; ") || "denied by policy");
}

function denial(reason: string): ErrorFields {
  return { code: SQLSTATE.insufficientPrivilege, message: `Portcullis denied this statement: ${reason}` };
}
