import type { RawRequest } from "../../engine/actions/types.js";
import type { Verdict } from "../../engine/decide.js";
import { messageOf } from "../../engine/errors.js";
import type { ApprovalGrant } from "../../engine/policy/types.js";
import type { ApprovalDesk, GateCaller, GateOutcome, HoldControl } from "./types.js";

/**
 * A request the policy says needs approval. In `ticket` mode the client is refused at once with the
 * approval request's id and sends the same request again once it is approved. In `hold` mode the
 * request waits: the client is told what it waits for, and the request goes on once approved (decided
 * again, with the approval in the policy input), or is refused when denied, expired or cancelled.
 * Opening the request or waiting can fail: that is a refusal, never a pass.
 */
export async function awaitApproval(
  desk: ApprovalDesk,
  who: GateCaller,
  request: RawRequest,
  verdict: Verdict,
  holdFor: (() => HoldControl) | undefined,
  decideWith: (grant: ApprovalGrant) => Promise<GateOutcome>,
): Promise<GateOutcome> {
  let opened;
  try {
    opened = await desk.open(who, request, verdict);
  } catch (error) {
    return { ok: false, verdict, refusal: { code: "approval_refused", message: `the approval request could not be opened (${messageOf(error)})` } };
  }
  const approvers = opened.approvers.join(", ") || "an approver";
  const reason = verdict.decision.approval?.reason ?? verdict.decision.reasons.join("; ");
  const approval = { id: opened.id, approvers, ttlSeconds: opened.ttlSeconds };
  if (opened.mode === "ticket" || !holdFor) {
    return { ok: false, verdict, refusal: { code: "approval_required", message: `approval ${opened.id} required from ${approvers}: ${reason}`, approval } };
  }
  // Made only now: an AbortController per request showed up in profiles of ordinary traffic.
  const hold = holdFor();
  hold.notify(`Portcullis: waiting for approval ${opened.id} from ${approvers} (${reason}); it expires at ${opened.expiresAt}. Cancel to give up.`);
  let outcome;
  try {
    outcome = await desk.wait(opened.id, hold.signal);
  } catch (error) {
    return { ok: false, verdict, refusal: { code: "approval_refused", message: `waiting for approval ${opened.id} failed (${messageOf(error)})`, approval } };
  }
  if (outcome.status === "approved") return decideWith(outcome.grant);
  if (outcome.status === "cancelled" && hold.signal.aborted) {
    return { ok: false, verdict, refusal: { code: "cancelled", message: "the request was cancelled", detail: `approval ${opened.id} was withdrawn`, approval } };
  }
  const by = outcome.by ? ` by ${outcome.by}` : "";
  const because = outcome.reason ? `: ${outcome.reason}` : "";
  return { ok: false, verdict, refusal: { code: "approval_refused", message: `approval ${opened.id} was ${outcome.status}${by}${because}`, approval } };
}
