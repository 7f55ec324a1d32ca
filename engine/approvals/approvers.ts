import type { Identity } from "../policy/types.js";
import type { ApprovalRequest } from "./types.js";

/** The requester, by issuer and subject: nobody decides their own request. */
export function isRequester(request: ApprovalRequest, who: Pick<Identity, "issuer" | "subject">): boolean {
  return request.requester.issuer === who.issuer && request.requester.subject === who.subject;
}

/** Whether `who` is one of the request's approvers ("group:NAME" in their groups, or "subject:NAME"). */
export function isListedApprover(request: ApprovalRequest, who: Pick<Identity, "subject" | "groups">): boolean {
  return request.approvers.some((entry) => {
    if (entry.startsWith("group:")) return who.groups.includes(entry.slice("group:".length));
    if (entry.startsWith("subject:")) return who.subject === entry.slice("subject:".length);
    return false; // an approver the contract does not know names nobody: fail closed
  });
}

/** May `who` decide this request: listed, and not the requester. */
export function mayDecide(request: ApprovalRequest, who: Identity): boolean {
  return !isRequester(request, who) && isListedApprover(request, who);
}

/** May `who` see this request: its requester, or someone who may decide it. */
export function maySee(request: ApprovalRequest, who: Identity): boolean {
  return isRequester(request, who) || isListedApprover(request, who);
}
