import { AuditError } from "../../../engine/audit/errors.js";
import { verifyChain } from "../../../engine/audit/verify.js";
import { RecordingError } from "../../../engine/recording/errors.js";
import type { RecordingSummary } from "../../../engine/recording/types.js";
import { filterOf, searchAudit, type AuditQuery } from "../audit-search.js";
import type { Route, Visit } from "../route-types.js";
import { auditPage, type AuditView } from "../pages/audit-page.js";
import { messagePage } from "../pages/message-page.js";
import { policyPage } from "../pages/policy-page.js";
import { replayPage } from "../pages/replay-page.js";
import { pagerLinks } from "../pages/pager.js";
import { sessionsPage, type SessionsView } from "../pages/sessions-page.js";
import { compareKeys, pageOf, pageRequest, timeKey, type Key } from "../paging.js";
import { sendHtml, sendHtmlParts } from "../respond.js";

/** The matching audit records one page shows. */
const AUDIT_LIMIT = 200;
/** The recorded sessions one page lists. */
const SESSIONS_PAGE = 100;
/** A session id in a cursor: anything visible (the gateway's are UUIDs); it is only compared, never used. */
const SESSION_ID = /[\x21-\x7e]{1,200}/;

export const viewRoutes: Route[] = [
  { method: "GET", path: /^\/console\/audit\/?$/, viewersOnly: true, handle: (visit) => audit(visit, false) },
  { method: "GET", path: /^\/console\/audit\/verify$/, viewersOnly: true, handle: (visit) => audit(visit, true) },
  { method: "GET", path: /^\/console\/sessions\/?$/, viewersOnly: true, handle: sessions },
  { method: "GET", path: /^\/console\/sessions\/([^/]+)$/, viewersOnly: true, handle: replay },
  { method: "GET", path: /^\/console\/policy\/?$/, viewersOnly: true, handle: policy },
];

/** The audit log, filtered; with `verify`, the whole chain is verified first and its state shown above. */
async function audit(visit: Visit, verify: boolean): Promise<void> {
  const source = visit.ctx.options.audit;
  const param = (name: keyof AuditQuery): string => (visit.url.searchParams.get(name) ?? "").trim().slice(0, 200);
  const query: AuditQuery = { subject: param("subject"), target: param("target"), decision: param("decision"), type: param("type"), since: param("since"), until: param("until") };
  const page = pageRequest(visit.url);
  const view: AuditView = { query, limit: AUDIT_LIMIT, logName: source.name };
  let status = 200;
  try {
    if (verify) view.verified = await verifyChain(source);
    const parsed = filterOf(query);
    if ("problem" in parsed) {
      view.notice = { kind: "error", text: parsed.problem };
      status = 400;
    } else {
      view.results = await searchAudit(source, parsed.filter, AUDIT_LIMIT, page);
      view.pager = pagerLinks(visit.url, "/console/audit", view.results, page);
    }
  } catch (error) {
    if (!(error instanceof AuditError)) throw error;
    view.notice = { kind: "error", text: `The audit log cannot be read: ${error.message}` };
    status = 503;
  }
  const shown = await auditPage(visit.viewer, view, status);
  await sendHtmlParts(visit.res, shown.status, shown.parts);
}

/** Recorded sessions, newest first, a page at a time (`before`/`after`: a start time in ms, a dot, a session id). */
async function sessions(visit: Visit): Promise<void> {
  const store = visit.ctx.options.recordings;
  const request = pageRequest(visit.url, SESSION_ID);
  if (!store) return send(visit, await sessionsPage(visit.viewer, undefined));
  const started = (s: RecordingSummary): Key => timeKey(s.started_at, s.session_id);
  const all = (await store.list()).sort((a, b) => compareKeys(started(a), started(b)));
  const paged = pageOf(all, started, request, SESSIONS_PAGE, "newest");
  const view: SessionsView = { summaries: paged.items.reverse(), total: all.length, pager: pagerLinks(visit.url, "/console/sessions", paged, request) };
  await send(visit, await sessionsPage(visit.viewer, view));
}

function send(visit: Visit, page: { status: number; parts: string[] }): Promise<void> {
  return sendHtmlParts(visit.res, page.status, page.parts);
}

async function replay(visit: Visit): Promise<void> {
  const store = visit.ctx.options.recordings;
  const id = visit.params[0]!;
  try {
    if (!store) throw new RecordingError("RECORDING_NOT_FOUND", "session recording is off");
    const page = replayPage(visit.viewer, await store.read(id));
    sendHtml(visit.res, page.status, page.body);
  } catch (error) {
    if (!(error instanceof RecordingError)) throw error;
    const missing = error.code === "RECORDING_NOT_FOUND";
    const message = missing ? `There is no recording of session ${id}.` : `The recording of session ${id} cannot be read: ${error.message}`;
    sendHtml(visit.res, missing ? 404 : 500, messagePage(missing ? "not-found" : "error", missing ? "Not found" : "Unreadable recording", message, { viewer: visit.viewer }));
  }
}

function policy(visit: Visit): void {
  const service = visit.ctx.options.policy;
  const { bundle } = service.current;
  const page = policyPage(visit.viewer, { status: service.status(), source: bundle.source, builtAt: bundle.builtAt });
  sendHtml(visit.res, page.status, page.body);
}
