import type { TargetFacts } from "../../engine/actions/index.js";
import type { Action, RawRequest } from "../../engine/actions/types.js";
import type { Verdict } from "../../engine/decide.js";
import { messageOf } from "../../engine/errors.js";
import { policyTarget, type ApprovalGrant, type Decision } from "../../engine/policy/types.js";
import { actingFor } from "../../engine/identity/acting-for.js";
import { awaitApproval } from "./approval-wait.js";
import type { GateCaller, GateOutcome, GatePorts, HoldControl, Refusal } from "./types.js";

/** How one request is gated: what only its proxy knows. */
export interface GateOptions {
  /** What the target told the gateway (its catalog, its version), for resolving names as it does. */
  facts?: TargetFacts;
  /**
   * Facts to decide on again when the first decision may rest on names that changed under it
   * (PostgreSQL: a search_path set earlier in the same text); undefined when it does not.
   */
  redecide?: (verdict: Verdict) => TargetFacts | undefined;
  /** The request only defines what runs later (a prepared statement): an approval is asked for when that runs. */
  defers?: (verdict: Verdict) => boolean;
  /** Checks what the policy cannot see (what a view reads); any reason returned denies. Thrown errors deny too. */
  inspect?: (verdict: Verdict) => Promise<string[]>;
  /** How the session holds a request waiting for approval; without it an approval is a ticket. */
  hold?: () => HoldControl;
}

/**
 * The one gate every request passes, whatever its protocol: it decides the request, has it approved
 * when the policy requires that (a ticket granted earlier, or a hold until someone decides), records
 * the decision durably before anything is forwarded, and answers forward-with-verdict or refuse with
 * a neutral code the proxy turns into its protocol's error. Every failure on the way refuses.
 *
 * The request is normalized once. The policy is asked once, and once more (on the same action
 * document) only when an approval's grant applies.
 */
export class RequestGate {
  private readonly ports: GatePorts;
  readonly caller: GateCaller;
  private requests = 0;

  constructor(ports: GatePorts, caller: GateCaller) {
    this.ports = ports;
    this.caller = caller;
  }

  async decide(request: RawRequest, options: GateOptions = {}): Promise<GateOutcome> {
    let verdict = await this.evaluate(request, options.facts ?? {});
    const again = options.redecide?.(verdict);
    if (again) verdict = await this.evaluate(request, again);
    verdict = this.withinBudget(verdict);
    if (verdict.effect === "approval" && options.defers?.(verdict)) return this.settle(request, verdict, options, true);
    const desk = this.ports.approvals;
    // An earlier approval (a ticket) can only change a decision that requires one: the approval
    // store is asked then, not on every request.
    if (desk && verdict.effect === "approval") {
      let grant: ApprovalGrant | undefined;
      try {
        grant = await desk.findGrant(this.caller, request);
      } catch (error) {
        this.ports.log(`approval lookup failed: ${messageOf(error)}`);
      }
      if (grant) verdict = this.ports.decideWithGrant(verdict, grant);
    }
    const outcome = await this.settle(request, verdict, options);
    if (!desk || outcome.ok || outcome.verdict?.effect !== "approval" || outcome.refusal.code !== "approval_required") return outcome;
    return awaitApproval(desk, this.caller, request, outcome.verdict, options.hold, (grant) => this.settle(request, this.ports.decideWithGrant(outcome.verdict!, grant), options));
  }

  /**
   * The decision's requests_per_minute, counted for the caller (the person and the agents acting for
   * them) on this target: one request over the budget is denied with the time until it resets.
   */
  private withinBudget(verdict: Verdict): Verdict {
    const perMinute = verdict.decision.limits?.requests_per_minute;
    if (perMinute === undefined || verdict.effect === "deny") return verdict;
    const { identity, target } = this.caller;
    const who = actingFor(identity);
    const key = JSON.stringify([identity.issuer, identity.subject, (identity.actors ?? []).map((a) => [a.issuer, a.subject]), target.name]);
    const used = this.ports.rates.consume(key, perMinute);
    if (used.ok) return verdict;
    return deniedBy(verdict, [`rate limit: at most ${perMinute} requests per minute for ${who} on ${target.name}; the budget resets in ${used.resetSeconds} s`]);
  }

  /** What a request does from its text alone, asking no policy and recording nothing. */
  preview(request: RawRequest): Promise<Action> {
    return this.ports.normalizeAsync(request);
  }

  /**
   * Refuses a request without analysing it (it is over a size limit): the refusal is audited as a
   * denial whose action (`action`, from the proxy) says why nothing was read.
   */
  async refuseUnread(request: RawRequest, reason: string, action: Action): Promise<GateOutcome> {
    const input = { identity: this.caller.identity, session: this.caller.session, target: policyTarget(this.caller.target), action };
    const verdict: Verdict = { effect: "deny", decision: { allow: false, reasons: [reason] }, action, input, revision: this.ports.revision(), timings: { normalize_us: 0, evaluate_us: 0 } };
    const recorded = await this.record(request, verdict);
    return { ok: false, verdict, ...(recorded ? { requestId: recorded } : {}), refusal: { code: "denied", message: reason } };
  }

  private evaluate(request: RawRequest, facts: TargetFacts): Promise<Verdict> {
    const { identity, session, target } = this.caller;
    return this.ports.decideAsync({ facts, identity, session, target: policyTarget(target), request });
  }

  /**
   * Checks what the policy cannot see, records the decision, and turns it into forward or refuse.
   * `deferred`: a decision that requires approval lets the request be defined (not run).
   */
  private async settle(request: RawRequest, decided: Verdict, options: GateOptions, deferred = false): Promise<GateOutcome> {
    let verdict = decided;
    if (options.inspect && (verdict.effect === "allow" || verdict.effect === "mask" || deferred)) {
      try {
        const reasons = await options.inspect(verdict);
        if (reasons.length > 0) verdict = deniedBy(verdict, reasons);
      } catch (error) {
        this.ports.log(`the request could not be checked, denying: ${messageOf(error)}`);
        verdict = deniedBy(verdict, ["what this request reads could not be checked on the target"]);
      }
    }
    const requestId = await this.record(request, verdict);
    if (requestId === undefined) return { ok: false, verdict, refusal: { code: "audit_failed", message: "the audit log could not record this request" } };
    if (verdict.effect === "deny") return { ok: false, verdict, requestId, refusal: refusalOf(verdict) };
    if (verdict.effect === "approval" && !deferred) {
      const approval = verdict.decision.approval;
      const approvers = approval?.approvers?.join(", ") ?? "an approver";
      const reason = approval?.reason ?? verdict.decision.reasons.join("; ");
      return { ok: false, verdict, requestId, refusal: { code: "approval_required", message: `approval required from ${approvers}: ${reason}`, hint: "this request needs a human approval before it can run" } };
    }
    return { ok: true, verdict, requestId };
  }

  /**
   * Audit before forwarding: records a decision and answers the request's number once it is durable,
   * undefined when it could not be written. For decisions a proxy made with the engine itself (settings
   * asked for at login, decided whole before the session exists).
   */
  async record(request: RawRequest, verdict: Verdict): Promise<number | undefined> {
    const requestId = ++this.requests;
    try {
      await this.ports.record({ type: "decision", session_id: this.caller.session.id, request_id: requestId, request, verdict });
      return requestId;
    } catch (error) {
      this.ports.log(`audit write failed, denying: ${messageOf(error)}`);
      return undefined;
    }
  }
}

/** The verdict as the gateway carried it out: denied for `reasons` the policy could not see. */
function deniedBy(verdict: Verdict, reasons: string[]): Verdict {
  const decision: Decision = { allow: false, reasons };
  if (verdict.decision.policy_revision !== undefined) decision.policy_revision = verdict.decision.policy_revision;
  return { ...verdict, effect: "deny", decision };
}

/** A request that could not be read says where; any other denial carries the policy's reasons. */
function refusalOf(verdict: Verdict): Refusal {
  const reasons = verdict.decision.reasons.join("; ") || "denied by policy";
  const parseError = "parse_error" in verdict.action ? verdict.action.parse_error : undefined;
  if (parseError) return { code: "unparsable", message: parseError.message, position: parseError.position, detail: reasons };
  return { code: "denied", message: reasons };
}
