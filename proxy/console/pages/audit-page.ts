import { actingFor } from "../../../engine/identity/acting-for.js";
import type { AuditEvent, AuditRecord } from "../../../engine/audit/types.js";
import type { VerifyResult } from "../../../engine/audit/verify.js";
import { EFFECTS, EVENT_TYPES, type AuditQuery, type AuditResults } from "../audit-search.js";
import { requestCode } from "../request-code.js";
import { badge, html, time, type Html } from "../html.js";
import { layoutParts, type Frame, type Viewer } from "../layout.js";
import { renderEach } from "../paging.js";
import { pager, type PagerLinks } from "./pager.js";

export interface AuditView {
  query: AuditQuery;
  results?: AuditResults;
  limit: number;
  /** Set after the verify button: the chain's state. */
  verified?: VerifyResult;
  /** The log's name (its file), shown with the verification. */
  logName: string;
  pager?: PagerLinks;
  notice?: Frame["notice"];
}

/**
 * The audit log: filters, a page of matching records (the newest without a cursor), and the chain
 * verification on request. Rows are built one per turn of the event loop (renderEach).
 */
export async function auditPage(viewer: Viewer, view: AuditView, status = 200): Promise<{ status: number; parts: string[] }> {
  const { query, results } = view;
  const rows = results ? await renderEach(results.records, row) : [];
  const body = [
    html`${filterForm(query)}
${view.verified ? verification(view.verified, view.logName) : ""}`,
    ...(results ? resultsTable(results, rows, view.limit, view.pager) : []),
  ];
  const frame: Frame = { title: "Audit log", kind: "audit", viewer, section: "audit" };
  if (view.notice) frame.notice = view.notice;
  return { status, parts: layoutParts(frame, body) };
}

function filterForm(query: AuditQuery): Html {
  const option = (value: string, current: string, label = value): Html => html`<option value="${value}"${value === current ? html` selected` : ""}>${label}</option>`;
  return html`<form class="filters" method="get" action="/console/audit">
<label>Subject <input type="text" name="subject" value="${query.subject}" placeholder="alice"></label>
<label>Target <input type="text" name="target" value="${query.target}" placeholder="demo"></label>
<label>Decision <select name="decision">${option("", query.decision, "any")}${EFFECTS.map((e) => option(e, query.decision))}</select></label>
<label>Event <select name="type">${option("", query.type, "any")}${EVENT_TYPES.map((t) => option(t, query.type, t.replace("_", " ")))}</select></label>
<label>Since (UTC) <input type="datetime-local" step="1" name="since" value="${query.since}"></label>
<label>Until (UTC) <input type="datetime-local" step="1" name="until" value="${query.until}"></label>
<button type="submit">Filter</button>
<button type="submit" formaction="/console/audit/verify" class="verify">Verify chain</button>
</form>`;
}

function verification(result: VerifyResult, logName: string): Html {
  if (result.ok) {
    return html`<p class="verify-result verify-ok" data-verify="ok">Chain intact: ${result.count} records verified, head seq ${result.head.seq} <code>sha256:${result.head.hash}</code> (${logName}).</p>`;
  }
  const problem = result.problem!;
  return html`<div class="verify-result verify-broken" data-verify="broken"><p><strong>Chain BROKEN at seq ${problem.seq} (${problem.kind})</strong>: ${problem.message}</p>
<p>${result.count} records before it verified; their head is seq ${result.head.seq} <code>sha256:${result.head.hash}</code> (${logName}).</p></div>`;
}

function resultsTable(results: AuditResults, rows: Html[], limit: number, links: PagerLinks | undefined): Html[] {
  const shown = rows.length;
  const paged = results.older !== undefined || results.newer !== undefined || links?.first !== undefined;
  const count =
    results.matched === 0
      ? "No records match."
      : paged
        ? `${shown} of ${results.matched} matching records, newest first (at most ${limit} a page).`
        : `${results.matched} matching record${results.matched === 1 ? "" : "s"}, newest first.`;
  return [
    html`<p class="count">${count}</p>
${results.unreadable > 0 ? html`<p class="warn">${results.unreadable} line(s) of the log are not records: verify the chain.</p>` : ""}
${shown > 0 ? html`<table class="list audit"><thead><tr><th>Seq</th><th>Time</th><th>Event</th><th>Subject</th><th>Target</th><th>What</th></tr></thead><tbody>` : ""}`,
    ...rows,
    html`${shown > 0 ? html`</tbody></table>` : ""}
${pager("audit", links, "Newest records")}`,
  ];
}

function row(record: AuditRecord): Html {
  const event = record.event;
  return html`<tr id="seq-${record.seq}" data-seq="${record.seq}" data-type="${event.type}"><td class="num">${record.seq}</td><td>${time(record.time)}</td><td>${event.type.replace("_", " ")}</td><td>${subjectOf(event)}</td><td>${targetOf(event)}</td><td>${what(event)}</td></tr>`;
}

function subjectOf(event: AuditEvent): string {
  if ("identity" in event) return actingFor(event.identity);
  if (event.type === "auth_failure") return event.claimed_subject ?? "—";
  if (event.type === "approval_decided") return event.by ?? "—";
  if (event.type === "revocation") return event.by;
  return "—";
}

function targetOf(event: AuditEvent): string {
  if (!("target" in event) || event.target === undefined) return "—";
  return typeof event.target === "string" ? event.target : event.target.name;
}

function what(event: AuditEvent): Html {
  switch (event.type) {
    case "decision":
      return html`${badge(event.effect)} ${requestCode(event.request, true)}${event.decision.reasons.length > 0 ? html`<div class="reasons">${event.decision.reasons.join("; ")}</div>` : ""}${event.approval ? html`<div class="muted">approved by ${event.approval.granted_by} (${event.approval.id})</div>` : ""}`;
    case "session_start":
      return html`session <a href="/console/sessions/${encodeURIComponent(event.session_id)}">${event.session_id}</a> started (${event.protocol}${event.client_addr ? ` from ${event.client_addr}` : ""})`;
    case "session_end":
      return html`session <a href="/console/sessions/${encodeURIComponent(event.session_id)}">${event.session_id}</a> ended${event.reason ? `: ${event.reason}` : ""}${event.requests !== undefined ? ` after ${event.requests} requests` : ""}`;
    case "auth_failure":
      return html`${badge("refused", "deny")} ${event.code}${event.detail ? `: ${event.detail}` : ""}`;
    case "approval_requested":
      return html`${badge("approval")} <a href="/console/approvals/${event.approval_id}">${event.approval_id}</a> (${event.mode ?? "hold"}) for ${event.approvers.join(", ")}: ${requestCode(event.request, true)}<div class="reasons">${event.reasons.join("; ")}</div>`;
    case "approval_decided":
      return html`${badge(event.outcome)} <a href="/console/approvals/${event.approval_id}">${event.approval_id}</a>${event.by ? ` by ${event.by}` : ""}${event.reason ? `: “${event.reason}”` : ""}`;
    case "revocation":
      return html`${badge("revoked", "deny")} ${event.subject !== undefined ? `subject ${event.subject} (${event.issuer ?? "*"})` : `token ${event.token_id ?? "?"}`} by ${event.by}`;
    case "log_repaired":
      return html`${badge("repaired", "deny")} cut ${event.truncated_bytes} torn bytes after seq ${event.after_seq}`;
  }
}
