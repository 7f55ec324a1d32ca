import type { PolicyService } from "../../engine/policy/policy-service.js";
import type { Identity } from "../../engine/policy/types.js";

/** The group that may always see the audit log, sessions and policy status. */
export const AUDITORS_GROUP = "auditors";

/** Who may see the audit log, sessions and policy status, by group or by subject. */
export interface Viewers {
  groups: string[];
  subjects: string[];
}

/**
 * The viewers: the configured groups when given; otherwise `auditors` plus whoever the serving policy
 * names as approvers in its data (`settings.approvals.approvers`: "group:dba", "subject:…"), so people
 * who decide approvals can also see what happened. Read per request, so it follows policy reloads.
 */
export function viewersOf(configured: string[] | undefined, policy: PolicyService): Viewers {
  if (configured) return { groups: [...configured], subjects: [] };
  const viewers: Viewers = { groups: [AUDITORS_GROUP], subjects: [] };
  for (const entry of policyApprovers(policy.current.bundle.data)) {
    if (entry.startsWith("group:")) viewers.groups.push(entry.slice("group:".length));
    else if (entry.startsWith("subject:")) viewers.subjects.push(entry.slice("subject:".length));
  }
  return viewers;
}

export function mayView(who: Identity, viewers: Viewers): boolean {
  return viewers.subjects.includes(who.subject) || who.groups.some((g) => viewers.groups.includes(g));
}

/** Describes the viewers for a refusal: "members of auditors or dba". */
export function describeViewers(viewers: Viewers): string {
  const names = [...viewers.groups, ...viewers.subjects];
  return names.length === 0 ? "nobody (no viewer groups are configured)" : `members of ${names.join(" or ")}`;
}

function policyApprovers(data: Record<string, unknown>): string[] {
  const settings = data.settings as { approvals?: { approvers?: unknown } } | undefined;
  const approvers = settings?.approvals?.approvers;
  return Array.isArray(approvers) ? approvers.filter((a): a is string => typeof a === "string") : [];
}
