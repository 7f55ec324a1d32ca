import type { IncomingMessage } from "node:http";
import { kubernetesRequestText, type KubernetesAction } from "../../engine/actions/kubernetes/index.js";
import { unanalysedAction } from "../../engine/actions/index.js";
import type { KubernetesRequest } from "../../engine/actions/types.js";
import type { Verdict } from "../../engine/decide.js";
import { meterOf, type ByteMeter } from "../gate/byte-meter.js";
import type { HoldControl, Refusal } from "../gate/types.js";
import { headerPairs, type RequestBody } from "./request-body.js";
import type { KubeSession } from "./sessions.js";
import { refusalStatus, type KubernetesStatus } from "./status.js";

export type Decided =
  /** `meter`: the decision's byte allowance for what the client receives, when it has one. */
  | { ok: true; request: KubernetesRequest; action: KubernetesAction; verdict: Verdict; requestId: number; meter?: ByteMeter }
  | { ok: false; request: KubernetesRequest; status: KubernetesStatus; refusal: Refusal; requestId?: number };

/**
 * Asks the gate about one request: decided, approved if it must be (held while the client waits, or a
 * ticket), recorded in the audit log before anything goes upstream. A body that could not be read is
 * refused unread, audited as a denial.
 */
export async function decideRequest(session: KubeSession, message: IncomingMessage, rest: string, body: RequestBody, hold: () => HoldControl): Promise<Decided> {
  const method = message.method ?? "GET";
  const headers = headerPairs(message.rawHeaders);
  if (!body.ok) {
    const request: KubernetesRequest = { kind: "kubernetes", text: kubernetesRequestText({ method, target: rest, headers, body: "" }) };
    const outcome = await session.gate.refuseUnread(request, body.reason, unanalysedAction(request, body.reason));
    return refused(request, outcome.ok ? undefined : outcome.refusal, outcome.requestId);
  }
  const request: KubernetesRequest = { kind: "kubernetes", text: kubernetesRequestText({ method, target: rest, headers, body: body.text, ...(body.binary ? { binary: true } : {}) }) };
  const outcome = await session.gate.decide(request, { hold });
  if (!outcome.ok) return refused(request, outcome.refusal, outcome.requestId, outcome.verdict?.action as KubernetesAction | undefined);
  const action = outcome.verdict.action;
  // The gate decided on the normalizer's document; anything else would be a wiring fault: refuse.
  if (action.kind !== "kubernetes") return refused(request, { code: "unavailable", message: "the request was not read as a Kubernetes request" }, outcome.requestId);
  const meter = meterOf(outcome);
  return { ok: true, request, action, verdict: outcome.verdict, requestId: outcome.requestId, ...(meter ? { meter } : {}) };
}

function refused(request: KubernetesRequest, refusal: Refusal | undefined, requestId: number | undefined, action?: KubernetesAction): Decided {
  const why = refusal ?? { code: "unavailable" as const, message: "the request could not be decided" };
  const subject = action ? { name: action.name, group: action.group, resource: action.resource } : {};
  return { ok: false, request, status: refusalStatus(why, subject), refusal: why, ...(requestId !== undefined ? { requestId } : {}) };
}
