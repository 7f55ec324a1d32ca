import { maySee } from "../../../engine/approvals/approvers.js";
import { ApprovalError } from "../../../engine/approvals/errors.js";
import type { ApprovalRequest, DecideOptions } from "../../../engine/approvals/types.js";
import { HttpError } from "../../http/respond.js";
import type { Route, Visit } from "../route-types.js";
import type { Frame } from "../layout.js";
import type { ConsoleApprovals } from "../options.js";
import { approvalPage, approvalsPage, type ApprovalsView } from "../pages/approvals-page.js";
import { messagePage } from "../pages/message-page.js";
import { pagerLinks } from "../pages/pager.js";
import { compareKeys, pageOf, pageRequest, timeKey, type Key } from "../paging.js";
import { redirect, sendHtml, sendHtmlParts } from "../respond.js";

const ID = "(apr_[A-Za-z0-9]{1,64})";
/** A cursor's id part: the same ids as in the addresses. */
const CURSOR_ID = /apr_[A-Za-z0-9]{1,64}/;
/** Pending cards on one page: each is up to 8 KiB of statement and its action document. */
const PENDING_PAGE = 20;
/** Decided rows on one page. */
const DECIDED_PAGE = 20;
/** How many of the newest requests (the store lists newest first) both lists are taken from. */
const WINDOW = 500;

export const approvalRoutes: Route[] = [
  { method: "GET", path: /^\/console\/approvals\/?$/, handle: list },
  { method: "GET", path: new RegExp(`^/console/approvals/${ID}$`), handle: show },
  { method: "POST", path: new RegExp(`^/console/approvals/${ID}/decide$`), handle: decide },
];

/**
 * Pending requests the person may see, oldest first, and what was decided, newest first: a page of each,
 * moved by `pending_before`/`pending_after` and `decided_before`/`decided_after` (cursors, see paging.ts);
 * `?decided=ID` says what just happened.
 */
async function list(visit: Visit, notice?: Frame["notice"], status = 200): Promise<void> {
  const approvals = visit.ctx.options.approvals;
  if (!approvals) return sendParts(visit, await approvalsPage(visit.viewer, { pending: [], decided: [], pendingCount: 0, configured: false }));
  // Parsed before any work: a malformed cursor is a 400 however the lists look.
  const pendingAt = pageRequest(visit.url, CURSOR_ID, "pending_");
  const decidedAt = pageRequest(visit.url, CURSOR_ID, "decided_");
  const who = visit.viewer.identity;
  const created = (r: ApprovalRequest): Key => timeKey(r.created_at, r.id);
  const decidedTime = (r: ApprovalRequest): Key => timeKey(r.decided_at ?? r.expires_at, r.id);
  // One read for both lists: each read copies every request it returns (and first looks for expired
  // ones), a cost paid in one step however many cards the page then shows.
  const all = (await approvals.list({ limit: WINDOW })).filter((r) => maySee(r, who));
  const pendingAll = all.filter((r) => r.status === "pending").sort((a, b) => compareKeys(created(a), created(b)));
  const decidedAll = all.filter((r) => r.status !== "pending").sort((a, b) => compareKeys(decidedTime(a), decidedTime(b)));
  const pending = pageOf(pendingAll, created, pendingAt, PENDING_PAGE, "oldest");
  const decided = pageOf(decidedAll, decidedTime, decidedAt, DECIDED_PAGE, "newest");
  const path = "/console/approvals";
  const view: ApprovalsView = {
    pending: pending.items,
    decided: decided.items.reverse(),
    pendingCount: pendingAll.length,
    configured: true,
    pendingPager: pagerLinks(visit.url, path, pending, pendingAt, "pending_", ["decided"]),
    decidedPager: pagerLinks(visit.url, path, decided, decidedAt, "decided_", ["decided"]),
  };
  const justDecided = notice ? undefined : visit.url.searchParams.get("decided");
  const flash = justDecided ? await find(visit, justDecided) : undefined;
  const shown = notice ?? (flash && maySee(flash, who) ? outcomeNotice(flash) : undefined);
  if (shown) view.notice = shown;
  await sendParts(visit, await approvalsPage(visit.viewer, view, status));
}

async function show(visit: Visit): Promise<void> {
  const request = await find(visit, visit.params[0]!);
  if (!request || !maySee(request, visit.viewer.identity)) {
    // Someone who may not see a request learns nothing about it, not even that it exists.
    return sendHtml(visit.res, 404, messagePage("not-found", "Not found", `There is no approval request ${visit.params[0]} you may see.`, { viewer: visit.viewer }));
  }
  send(visit, approvalPage(visit.viewer, request));
}

/**
 * `POST /console/approvals/:id/decide` with outcome=approve|deny, an optional reason and (tickets) use.
 * The approval service checks who may decide; its refusals come back as a message on the page.
 */
async function decide(visit: Visit): Promise<void> {
  const approvals = visit.ctx.options.approvals;
  if (!approvals) throw new HttpError(404, "not_found", "Approvals are not configured on this gateway.");
  const id = visit.params[0]!;
  const outcome = visit.form.get("outcome");
  if (outcome !== "approve" && outcome !== "deny") throw new HttpError(400, "invalid_request", "Choose Approve or Deny.");
  const options: DecideOptions = {};
  const reason = visit.form.get("reason")?.trim();
  if (reason) options.reason = reason.slice(0, 500);
  const use = visit.form.get("use");
  if (use === "once" || use === "window") options.use = use;
  else if (use) throw new HttpError(400, "invalid_request", "use must be once or window.");
  const who = visit.viewer.identity;
  try {
    await approvals.decide(id, who, outcome, options);
  } catch (error) {
    if (!(error instanceof ApprovalError)) throw error;
    const request = await find(visit, id);
    visit.ctx.log(`console: ${who.subject} could not ${outcome} ${id}: ${error.code} ${error.message}`);
    return list(visit, { kind: "error", text: refusal(error, id, request) }, statusOf(error));
  }
  visit.ctx.log(`console: ${who.subject} ${outcome === "approve" ? "approved" : "denied"} ${id}`);
  redirect(visit.res, `/console/approvals?decided=${encodeURIComponent(id)}`);
}

/** The approval service's refusal, said plainly. */
export function refusal(error: ApprovalError, id: string, request: ApprovalRequest | undefined): string {
  const approvers = request ? request.approvers.join(", ") : "the listed approvers";
  switch (error.code) {
    case "SELF_APPROVAL":
      return `You cannot decide your own request ${id}: another approver (${approvers}) has to.`;
    case "NOT_AN_APPROVER":
      return `You are not an approver of ${id}: only ${approvers} may decide it.`;
    case "NOT_PENDING":
      return request?.decided_by ? `${id} was already ${request.status} by ${request.decided_by}.` : `${id} is no longer pending (${request?.status ?? "decided"}).`;
    case "EXPIRED":
      return `${id} expired${request ? ` at ${request.expires_at}` : ""} before it was decided.`;
    case "NOT_FOUND":
      return `There is no approval request ${id}.`;
    default:
      return `${id} could not be decided: ${error.message}`;
  }
}

function statusOf(error: ApprovalError): number {
  switch (error.code) {
    case "SELF_APPROVAL":
    case "NOT_AN_APPROVER":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "NOT_PENDING":
    case "EXPIRED":
      return 409;
    default:
      return 500;
  }
}

function outcomeNotice(request: ApprovalRequest): Frame["notice"] {
  if (request.status === "approved") {
    const next = request.mode === "hold" ? "the waiting client's statement goes ahead" : "the requester may now run the identical statement again";
    return { kind: "ok", text: `Approved ${request.id} on ${request.target.name}: ${next}.` };
  }
  if (request.status === "denied") return { kind: "ok", text: `Denied ${request.id} on ${request.target.name}: the requester gets an error.` };
  return { kind: "info", text: `${request.id} is ${request.status}.` };
}

async function find(visit: Visit, id: string): Promise<ApprovalRequest | undefined> {
  const approvals: ConsoleApprovals | undefined = visit.ctx.options.approvals;
  if (!approvals) return undefined;
  try {
    return await approvals.get(id);
  } catch (error) {
    if (error instanceof ApprovalError && error.code === "NOT_FOUND") return undefined;
    throw error;
  }
}

function send(visit: Visit, page: { status: number; body: string }): void {
  sendHtml(visit.res, page.status, page.body);
}

function sendParts(visit: Visit, page: { status: number; parts: string[] }): Promise<void> {
  return sendHtmlParts(visit.res, page.status, page.parts);
}
