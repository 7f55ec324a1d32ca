import type { Verdict } from "../../engine/decide.js";
import type { ApprovalGrant } from "../../engine/policy/types.js";
import type { ApprovalDesk } from "./context.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import type { GateResult, GateSession } from "./statement-gate.js";
import { messageOf } from "../../engine/errors.js";

/** How a held statement talks to its session: a notice to the waiting client, and the session's cancel. */
export interface HoldControl {
  notify(message: string): void;
  /** Aborted when the client sends a cancel request or disconnects. */
  signal: AbortSignal;
}

/**
 * A statement the policy says needs approval. In `ticket` mode the client gets an error naming the
 * request at once and runs the same statement again once it is approved. In `hold` mode the statement
 * waits on the wire: the client is told what it waits for, and the statement is forwarded once
 * approved (decided again, with the approval in the policy input), or fails when denied, expired or
 * cancelled. Opening the request or waiting can fail: that is a denial, never a pass.
 */
export async function awaitApproval(
  desk: ApprovalDesk,
  who: GateSession,
  sql: string,
  verdict: Verdict,
  holdFor: (() => HoldControl) | undefined,
  decideWith: (grant: ApprovalGrant) => Promise<GateResult>,
): Promise<GateResult> {
  let opened;
  try {
    opened = await desk.open(who, sql, verdict);
  } catch (error) {
    return { ok: false, verdict, error: refusal(`the approval request could not be opened (${messageOf(error)})`) };
  }
  const approvers = opened.approvers.join(", ") || "an approver";
  const reason = verdict.decision.approval?.reason ?? verdict.decision.reasons.join("; ");
  if (opened.mode === "ticket" || !holdFor) {
    return {
      ok: false,
      verdict,
      error: {
        code: SQLSTATE.insufficientPrivilege,
        message: `Portcullis: approval ${opened.id} required from ${approvers}: ${reason}`,
        hint: `once ${opened.id} is approved (portcullis approvals approve ${opened.id}), run the same statement again within ${opened.ttlSeconds} s`,
      },
    };
  }
  // Made only now: an AbortController per statement showed up in profiles of ordinary traffic.
  const hold = holdFor();
  hold.notify(`Portcullis: waiting for approval ${opened.id} from ${approvers} (${reason}); it expires at ${opened.expiresAt}. Cancel to give up.`);
  let outcome;
  try {
    outcome = await desk.wait(opened.id, hold.signal);
  } catch (error) {
    return { ok: false, verdict, error: refusal(`waiting for approval ${opened.id} failed (${messageOf(error)})`) };
  }
  if (outcome.status === "approved") return decideWith(outcome.grant);
  if (outcome.status === "cancelled" && hold.signal.aborted) {
    return { ok: false, verdict, error: { code: SQLSTATE.queryCanceled, message: "canceling statement due to user request", detail: `approval ${opened.id} was withdrawn` } };
  }
  const by = outcome.by ? ` by ${outcome.by}` : "";
  const because = outcome.reason ? `: ${outcome.reason}` : "";
  return { ok: false, verdict, error: refusal(`approval ${opened.id} was ${outcome.status}${by}${because}`) };
}

function refusal(reason: string): ErrorFields {
  return { code: SQLSTATE.insufficientPrivilege, message: `Portcullis denied this statement: ${reason}` };
}
