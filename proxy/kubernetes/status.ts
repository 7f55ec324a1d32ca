/**
 * Kubernetes `Status` objects: how the gateway says no in the apiserver's own terms, which kubectl
 * prints as `Error from server (Forbidden): MESSAGE`.
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/
 */
import type { Refusal } from "../gate/types.js";

export interface KubernetesStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

export function status(code: number, reason: string, message: string, details?: KubernetesStatus["details"]): KubernetesStatus {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code };
}

/** What the object was, for `details` (kubectl names it in some messages). */
export interface StatusSubject {
  name?: string;
  group?: string;
  resource?: string;
}

/**
 * A refusal from the gate as a Status. Denials and approvals are 403 Forbidden with the policy's
 * reasons; a request that could not be read is 400 BadRequest; when the gateway itself could not do
 * what it must (audit, a check) it is 503, which clients may retry.
 */
export function refusalStatus(refusal: Refusal, subject: StatusSubject = {}): KubernetesStatus {
  const details = subject.resource ? { ...(subject.name ? { name: subject.name } : {}), ...(subject.group ? { group: subject.group } : {}), kind: subject.resource } : undefined;
  const hint = refusal.hint ? ` (${refusal.hint})` : "";
  switch (refusal.code) {
    case "unparsable":
      return status(400, "BadRequest", `Portcullis could not read this request: ${refusal.message}`, details);
    case "audit_failed":
    case "unavailable":
      return status(503, "ServiceUnavailable", `Portcullis: ${refusal.message}`, details);
    case "approval_required":
      return status(403, "Forbidden", `Portcullis: ${refusal.message}${refusal.approval ? `; once approved, send the same request again (approval ${refusal.approval.id})` : hint}`, details);
    case "denied":
      return status(403, "Forbidden", `Portcullis denied this request: ${refusal.message}`, details);
    default:
      return status(403, "Forbidden", `Portcullis: ${refusal.message}${hint}`, details);
  }
}
