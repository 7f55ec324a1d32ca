import type { TargetFacts } from "../../engine/actions/index.js";
import type { Action, RawRequest } from "../../engine/actions/types.js";
import type { Verdict } from "../../engine/decide.js";
import { messageOf } from "../../engine/errors.js";
import { deepFreeze } from "../../engine/frozen.js";
import { policyTarget, type ApprovalGrant, type Decision, type Limits, type Target, type WindowLimit } from "../../engine/policy/types.js";
import type { Allowance } from "./budgets.js";
import { actingFor } from "../../engine/identity/acting-for.js";
import { awaitApproval } from "./approval-wait.js";
import type { GateCaller, GateOutcome, GatePorts, HoldControl, Refusal, RequestAllowance } from "./types.js";

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
  private readonly keys = new Map<string, string>();
  /**
   * The target as every request's policy input shows it, made once and frozen: the caller's target never
   * changes, and caches downstream (decisions, audit lines) know a frozen part by sight.
   */
  private readonly target: Target;

  constructor(ports: GatePorts, caller: GateCaller) {
    this.ports = ports;
    this.caller = caller;
    // Its tags are copied: the configured target's own stay as they are.
    const target = policyTarget(caller.target);
    this.target = deepFreeze({ ...target, tags: { ...target.tags } });
  }

  async decide(request: RawRequest, options: GateOptions = {}): Promise<GateOutcome> {
    let verdict = await this.evaluate(request, options.facts ?? {});
    const again = options.redecide?.(verdict);
    if (again) verdict = await this.evaluate(request, again);
    verdict = await this.withinBudget(verdict);
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
   * The decision's window limits, counted for the caller (the person and the agents acting for them):
   * a request over a budget is denied with the time until it resets. Requests per minute and commands
   * per window count this request; rows and bytes per window are spent by the proxy as the answer
   * streams, so here a request is only refused once they are spent.
   */
  private async withinBudget(verdict: Verdict): Promise<Verdict> {
    const limits = verdict.decision.limits;
    if (limits === undefined || verdict.effect === "deny") return verdict;
    const who = actingFor(this.caller.identity);
    try {
      await this.ports.budgets.ready(this.windowsOf(limits));
    } catch (error) {
      this.ports.log(`budgets unknown, denying: ${messageOf(error)}`);
      return deniedBy(verdict, ["the gateway could not read your usage of the policy's limits; try again shortly"]);
    }
    for (const kind of ["rows_per_window", "bytes_per_window"] as const) {
      const window = limits[kind];
      if (window === undefined) continue;
      const state = this.ports.budgets.state(this.budgetKey(kind, window), window.limit, window.seconds);
      if (state.left <= 0) return deniedBy(verdict, [`${UNITS[kind]} budget spent: at most ${window.limit} ${UNITS[kind]} per ${period(window.seconds)} for ${who}${named(window)}; it resets in ${state.resetSeconds} s`]);
    }
    const commands = limits.commands_per_window;
    if (commands !== undefined) {
      const used = this.ports.budgets.consume(this.budgetKey("commands_per_window", commands), commands.limit, commands.seconds);
      if (!used.ok) return deniedBy(verdict, [`rate limit: at most ${commands.limit} requests per ${period(commands.seconds)} for ${who}${named(commands)}; the budget resets in ${used.resetSeconds} s`]);
    }
    const perMinute = limits.requests_per_minute;
    if (perMinute !== undefined) {
      const target = this.caller.target.name;
      const used = this.ports.budgets.consume(this.requestsKey(), perMinute, 60);
      if (!used.ok) return deniedBy(verdict, [`rate limit: at most ${perMinute} requests per minute for ${who} on ${target}; the budget resets in ${used.resetSeconds} s`]);
    }
    return verdict;
  }

  /**
   * What a forwarded request may use of its decision's row and byte limits: the per-request limit, or
   * what is left of the window, whichever is less, and how to spend what it used.
   */
  private allowanceOf(verdict: Verdict): RequestAllowance | undefined {
    const limits = verdict.decision.limits;
    if (limits === undefined) return undefined;
    const rows = this.allowance("rows_per_window", limits.rows_per_window, limits.rows_per_statement, "statement");
    const bytes = this.allowance("bytes_per_window", limits.bytes_per_window, undefined, "request");
    if (!rows && !bytes) return undefined;
    return { ...(rows ? { rows } : {}), ...(bytes ? { bytes } : {}) };
  }

  private allowance(kind: "rows_per_window" | "bytes_per_window", window: WindowLimit | undefined, perRequest: number | undefined, request: string): Allowance | undefined {
    if (window === undefined && perRequest === undefined) return undefined;
    const unit = UNITS[kind];
    const key = window ? this.budgetKey(kind, window) : "";
    const who = actingFor(this.caller.identity);
    return {
      left: (used = 0) => {
        const own = perRequest === undefined ? Infinity : Math.max(0, perRequest - used);
        const shared = window ? this.ports.budgets.state(key, window.limit, window.seconds).left : Infinity;
        if (own <= shared) return { max: own, reason: `the policy allows at most ${perRequest} ${unit} per ${request}` };
        return { max: shared, reason: `the policy allows ${who} ${window!.limit} ${unit} per ${period(window!.seconds)}${named(window!)}, and that budget is spent` };
      },
      spend: (n) => {
        if (window) this.ports.budgets.spend(key, window.seconds, n);
      },
      resetSeconds: () => (window ? this.ports.budgets.state(key, window.limit, window.seconds).resetSeconds : undefined),
    };
  }

  /** Who a budget is counted for: the person and every agent acting for them, from their issuers. */
  private callerKey(): unknown[] {
    const { identity } = this.caller;
    return [identity.issuer, identity.subject, (identity.actors ?? []).map((a) => [a.issuer, a.subject])];
  }

  /** Every window a decision's limits count in, for reading their counts before deciding. */
  private windowsOf(limits: Limits): Array<{ key: string; seconds: number }> {
    const windows = [];
    if (limits.requests_per_minute !== undefined) windows.push({ key: this.requestsKey(), seconds: 60 });
    for (const kind of ["rows_per_window", "bytes_per_window", "commands_per_window"] as const) {
      const window = limits[kind];
      if (window) windows.push({ key: this.budgetKey(kind, window), seconds: window.seconds });
    }
    return windows;
  }

  private requestsKey(): string {
    return this.keyOf("requests_per_minute", this.caller.target.name);
  }

  private budgetKey(kind: string, window: WindowLimit): string {
    return this.keyOf(kind, window.name ?? kind);
  }

  /** Budget keys, built once per gate (its caller never changes): every request asks for them. */
  private keyOf(kind: string, name: string): string {
    const id = `${kind}\u0000${name}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      key = JSON.stringify([...this.callerKey(), kind, name]);
      this.keys.set(id, key);
    }
    return key;
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
    const input = { identity: this.caller.identity, session: this.caller.session, target: this.target, action };
    const verdict: Verdict = { effect: "deny", decision: { allow: false, reasons: [reason] }, action, input, revision: this.ports.revision(), timings: { normalize_us: 0, evaluate_us: 0 } };
    const recorded = await this.record(request, verdict);
    return { ok: false, verdict, ...(recorded ? { requestId: recorded } : {}), refusal: { code: "denied", message: reason } };
  }

  private evaluate(request: RawRequest, facts: TargetFacts): Promise<Verdict> {
    const { identity, session } = this.caller;
    return this.ports.decideAsync({ facts, identity, session, target: this.target, request });
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
    const allowance = this.allowanceOf(verdict);
    return { ok: true, verdict, requestId, ...(allowance ? { allowance } : {}) };
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

const UNITS = { rows_per_window: "rows", bytes_per_window: "bytes" } as const;

/** A window's length as people say it. */
function period(seconds: number): string {
  if (seconds === 60) return "minute";
  if (seconds === 3600) return "hour";
  if (seconds === 86400) return "day";
  return `${seconds} s`;
}

function named(window: WindowLimit): string {
  return window.name ? ` (budget "${window.name}")` : "";
}
