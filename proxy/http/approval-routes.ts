import type { IncomingMessage, ServerResponse } from "node:http";
import { ApprovalError, maySee, type ApprovalErrorCode, type ApprovalService } from "../../engine/approvals/index.js";
import { APPROVAL_STATUSES, GRANT_USES, type ApprovalRequest, type ApprovalStatus, type DecisionOutcome, type GrantUse } from "../../engine/approvals/types.js";
import type { IdentityService } from "../../engine/identity/index.js";
import type { Identity } from "../../engine/policy/types.js";
import { bearerCaller } from "./bearer-caller.js";
import { HttpError, readParams, sendJson, wholeNumber } from "./respond.js";
import type { AuthLog, PatternRoute } from "./route-types.js";

const ID = "([A-Za-z0-9_-]{1,64})";
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** How each refusal of the approval service reads over HTTP. */
const REFUSALS: Partial<Record<ApprovalErrorCode, { status: number; error: string }>> = {
  NOT_FOUND: { status: 404, error: "not_found" },
  SELF_APPROVAL: { status: 403, error: "self_approval" },
  NOT_AN_APPROVER: { status: 403, error: "not_an_approver" },
  NOT_PENDING: { status: 409, error: "not_pending" },
  EXPIRED: { status: 409, error: "expired" },
  INVALID: { status: 400, error: "invalid_request" },
};

/** Who calls, and the targets their token is scoped to (undefined: not scoped). */
interface Caller {
  identity: Identity;
  targets: string[] | undefined;
}

/** A request on a target outside the caller's token scope does not exist for them. */
function inScope(r: ApprovalRequest, caller: Caller): boolean {
  return caller.targets === undefined || caller.targets.includes(r.target.name);
}

/**
 * The approvals API, for the CLI, the web console and anything else approvers use:
 *   GET  /v1/approvals[?status=S&limit=N]   requests the caller may see, newest first
 *   GET  /v1/approvals/{id}
 *   POST /v1/approvals/{id}/approve         {reason?, use?: once|window}
 *   POST /v1/approvals/{id}/deny            {reason?}
 * Every call needs `Authorization: Bearer <token>` (a gateway token or a trusted issuer's token). A
 * caller sees the requests they made and those they are listed to decide; any other reads as 404. A
 * token scoped to targets (token exchange with `audience`) sees and decides requests on those only,
 * exactly as it may connect to those only.
 */
export function approvalRoutes(approvals: ApprovalService, identity: IdentityService, log: AuthLog): PatternRoute[] {
  const caller = (req: IncomingMessage): Promise<Caller> => authenticate(req, identity, log);
  return [
    { method: "GET", pattern: /^\/v1\/approvals$/, handle: async (req, res) => list(req, res, approvals, await caller(req)) },
    { method: "GET", pattern: new RegExp(`^/v1/approvals/${ID}$`), handle: async (req, res, [id]) => show(res, approvals, await caller(req), id!) },
    { method: "POST", pattern: new RegExp(`^/v1/approvals/${ID}/(approve|deny)$`), handle: async (req, res, [id, verb]) => decide(req, res, approvals, await caller(req), id!, verb as DecisionOutcome) },
  ];
}

async function authenticate(req: IncomingMessage, identity: IdentityService, log: AuthLog): Promise<Caller> {
  const result = await bearerCaller(req, identity, log, "approvals_rejected");
  return { identity: result.identity, targets: result.targets };
}

async function list(req: IncomingMessage, res: ServerResponse, approvals: ApprovalService, who: Caller): Promise<void> {
  const query = new URL(req.url ?? "/", "http://gateway").searchParams;
  const status = query.get("status") ?? "all";
  if (status !== "all" && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) throw new HttpError(400, "invalid_request", `status must be all or one of ${APPROVAL_STATUSES.join(", ")}`);
  const limitText = query.get("limit");
  const limit = limitText === null ? DEFAULT_LIMIT : wholeNumber(limitText, "limit", 1, MAX_LIMIT);
  const all = await guarded(() => approvals.list(status === "all" ? {} : { status: status as ApprovalStatus }));
  sendJson(res, 200, all.filter((r) => inScope(r, who) && maySee(r, who.identity)).slice(0, limit));
}

async function show(res: ServerResponse, approvals: ApprovalService, who: Caller, id: string): Promise<void> {
  const found = await guarded(() => approvals.get(id));
  if (!found || !inScope(found, who) || !maySee(found, who.identity)) throw new HttpError(404, "not_found", `no approval request ${id} that you may see`);
  sendJson(res, 200, found);
}

async function decide(req: IncomingMessage, res: ServerResponse, approvals: ApprovalService, who: Caller, id: string, outcome: DecisionOutcome): Promise<void> {
  const params = await readParams(req);
  const found = await guarded(() => approvals.get(id));
  if (!found || !inScope(found, who)) throw new HttpError(404, "not_found", `no approval request ${id} that you may see`);
  const reason = params.get("reason") ?? undefined;
  const use = params.get("use") ?? undefined;
  if (use !== undefined && (outcome === "deny" || !GRANT_USES.includes(use as GrantUse))) {
    throw new HttpError(400, "invalid_request", outcome === "deny" ? "use applies to approvals only" : `use must be ${GRANT_USES.join(" or ")}`);
  }
  const decided = await guarded(() => approvals.decide(id, who.identity, outcome, { ...(reason !== undefined ? { reason } : {}), ...(use !== undefined ? { use: use as GrantUse } : {}) }));
  sendJson(res, 200, decided);
}

/** Runs a service call, turning its refusals into HTTP answers; anything else is a 500 (logged by the server). */
async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const refusal = error instanceof ApprovalError ? REFUSALS[error.code] : undefined;
    if (refusal && error instanceof Error) throw new HttpError(refusal.status, refusal.error, error.message);
    throw error;
  }
}
