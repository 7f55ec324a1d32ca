import { actorsFact } from "./actors.js";
import { actingFor } from "../../../engine/identity/acting-for.js";
import { isRequester, mayDecide } from "../../../engine/approvals/approvers.js";
import type { ApprovalRequest } from "../../../engine/approvals/types.js";
import type { Action } from "../../../engine/policy/types.js";
import { requestCode } from "../request-code.js";
import { badge, html, time, type Html } from "../html.js";
import { csrfField, layout, layoutParts, type Frame, type Viewer } from "../layout.js";
import { renderEach } from "../paging.js";
import { pager, type PagerLinks } from "./pager.js";

export interface ApprovalsView {
  /** One page of the pending requests this person may see (theirs, or ones they may decide), oldest first. */
  pending: ApprovalRequest[];
  /** One page of the decided requests they may see, newest first. */
  decided: ApprovalRequest[];
  /** How many pending requests they may see in all. */
  pendingCount: number;
  /** False when the gateway runs without an approval service. */
  configured: boolean;
  pendingPager?: PagerLinks;
  decidedPager?: PagerLinks;
  notice?: Frame["notice"];
}

/**
 * The approvals page: a page of pending requests rendered for a person to judge, with buttons where they
 * may decide, and a page of decided ones. Built a card (or row) per turn of the event loop (renderEach)
 * and kept in those pieces for sendHtmlParts.
 */
export async function approvalsPage(viewer: Viewer, view: ApprovalsView, status = 200): Promise<{ status: number; parts: string[] }> {
  const cards = await renderEach(view.pending, (r) => approvalCard(r, viewer));
  const rows = await renderEach(view.decided, decidedRow);
  const body = !view.configured
    ? [html`<p class="empty">Approvals are not configured on this gateway.</p>`]
    : [
        html`<section class="pending">
${view.pendingCount === 0 ? html`<p class="empty">Nothing is waiting for approval.</p>` : ""}
${view.pendingCount > cards.length ? html`<p class="count">${cards.length} of ${view.pendingCount} pending requests, oldest first.</p>` : ""}`,
        ...cards,
        html`${pager("pending", view.pendingPager, "Oldest pending")}
</section>`,
        ...(rows.length > 0 || view.decidedPager?.first ? decidedTable(rows, pager("decided", view.decidedPager, "Latest decisions")) : []),
      ];
  const frame: Frame = { title: "Pending approvals", kind: "approvals", viewer, section: "approvals" };
  if (view.notice) frame.notice = view.notice;
  return { status, parts: layoutParts(frame, body) };
}

/** One request's page (linked from webhooks and chat), decided or not. */
export function approvalPage(viewer: Viewer, request: ApprovalRequest, notice?: Frame["notice"], status = 200): { status: number; body: string } {
  const frame: Frame = { title: `Approval ${request.id}`, kind: "approval", viewer, section: "approvals" };
  if (notice) frame.notice = notice;
  return { status, body: layout(frame, approvalCard(request, viewer)) };
}

export function approvalCard(request: ApprovalRequest, viewer: Viewer): Html {
  return html`<article class="approval" id="${request.id}" data-approval-id="${request.id}" data-status="${request.status}">
<header>
<h2><a href="/console/approvals/${request.id}">${summaryOf(request.action)}</a> on ${request.target.name}</h2>
${badge(request.status)} ${badge(request.mode === "hold" ? "client waiting" : "ticket", request.mode)} <code class="id">${request.id}</code>
</header>
<dl class="facts">
<dt>Target</dt><dd>${request.target.name} ${Object.entries(request.target.tags).map(([k, v]) => html`<span class="tag">${k}=${v}</span>`)}</dd>
<dt>Requested</dt><dd>${time(request.created_at)}${request.status === "pending" ? html` · expires ${time(request.expires_at)}` : ""}</dd>
<dt>Approvers</dt><dd>${request.approvers.join(", ")}</dd>
<dt>Session</dt><dd>${viewer.mayView ? html`<a href="/console/sessions/${encodeURIComponent(request.session_id)}">${request.session_id}</a>` : request.session_id}</dd>
${request.decided_by ? html`<dt>Decided</dt><dd>${request.status} by ${request.decided_by} ${time(request.decided_at)}${request.decision_reason ? html`: “${request.decision_reason}”` : ""}</dd>` : ""}
${request.grant ? html`<dt>Grant</dt><dd>${request.grant.use === "once" ? "once" : "any number of times"} until ${time(request.grant.expires_at)} (used ${request.grant.uses}×)</dd>` : ""}
</dl>
<section class="reasons"><h3>Why it needs approval</h3><ul>${request.reasons.map((r) => html`<li>${r}</li>`)}</ul></section>
<section class="statement"><h3>Statement</h3>${cutNote(request)}${requestCode(request.request)}${touches(request.action)}</section>
${requesterBlock(request)}
<details class="action-doc"><summary>Action document</summary><pre>${JSON.stringify(request.action, null, 2)}</pre></details>
${request.status === "pending" ? decisionBlock(request, viewer) : ""}
</article>`;
}

/** The commands of an action, as a title: "TRUNCATE", "CREATE TABLE + INSERT". */
function summaryOf(action: Action): string {
  if (action.kind === "file") return `File ${action.operation}`;
  if (action.kind === "kubernetes") return action.parse_error ? "Unparsed Kubernetes request" : [action.verb, [action.resource, action.subresource].filter(Boolean).join("/") || action.path].join(" ");
  const commands = action.kind === "sql" ? action.statements.map((s) => s.command) : action.commands.map((c) => c.program);
  const distinct = [...new Set(commands)];
  if (distinct.length > 0) return distinct.join(" + ");
  const language = action.kind === "sql" ? "SQL" : "shell command";
  return action.parse_error ? `Unparsed ${language}` : language;
}

/** What the request touches: a SQL statement's tables, a shell command's programs and the files it writes, a Kubernetes object. */
function touches(action: Action): Html {
  if (action.kind === "file") return html`<p class="touches">Touches: ${[action.resolved, ...(action.to_resolved ? [action.to_resolved] : [])].join(", ")} (${action.operation})</p>`;
  if (action.parse_error) return html`<p class="warn">Could not be parsed: ${action.parse_error.message}</p>`;
  if (action.kind === "kubernetes") return html`<p class="touches">Touches: ${[action.namespace && `namespace ${action.namespace}`, action.resource && `${action.resource}${action.name ? ` ${action.name}` : ""}`, ...(action.shell?.commands.map((c) => c.path ?? c.program) ?? [])].filter(Boolean).join(", ") || action.path}</p>`;
  const touched =
    action.kind === "sql"
      ? action.statements.flatMap((s) => s.tables.map((t) => `${t.schema ? `${t.schema}.` : ""}${t.name} (${t.access})`))
      : action.commands.flatMap((c) => [c.path ?? c.program, ...c.redirects.filter((r) => r.writes && r.target !== null).map((r) => `${r.target} (write)`)]);
  return touched.length > 0 ? html`<p class="touches">Touches: ${[...new Set(touched)].join(", ")}</p>` : html``;
}

function requesterBlock(request: ApprovalRequest): Html {
  const who = request.requester;
  const claims = Object.entries(who.claims);
  return html`<section class="requester"><h3>Requested by</h3>
<dl class="facts">
<dt>Subject</dt><dd class="subject">${who.subject}</dd>
<dt>Issuer</dt><dd>${who.issuer}</dd>
<dt>Kind</dt><dd>${who.kind === "human" ? "person" : "workload"}</dd>
<dt>Groups</dt><dd>${who.groups.length > 0 ? who.groups.map((g) => html`<span class="tag">${g}</span>`) : "none"}</dd>
${actorsFact(who.actors, "Agents acting for them")}
</dl>
${claims.length > 0 ? html`<table class="claims"><caption>Claims</caption><tbody>${claims.map(([k, v]) => html`<tr><th>${k}</th><td>${claimText(v)}</td></tr>`)}</tbody></table>` : ""}
</section>`;
}

function claimText(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function decisionBlock(request: ApprovalRequest, viewer: Viewer): Html {
  if (isRequester(request, viewer.identity)) {
    return html`<p class="own">This is your own request: another approver (${request.approvers.join(", ")}) has to decide it.</p>`;
  }
  if (!mayDecide(request, viewer.identity)) return html`<p class="own">Only ${request.approvers.join(", ")} may decide this request.</p>`;
  return html`<form class="decide" method="post" action="/console/approvals/${request.id}/decide">
${csrfField(viewer)}
<label>Reason (recorded in the audit log) <input type="text" name="reason" maxlength="500" placeholder="optional"></label>
${request.mode === "ticket"
    ? html`<label>Approval lets the identical request through <select name="use"><option value="once">once</option><option value="window">any number of times for ${request.ttl_seconds} s</option></select></label>`
    : ""}
<button type="submit" name="outcome" value="approve" class="approve">Approve</button>
<button type="submit" name="outcome" value="deny" class="deny">Deny</button>
</form>`;
}

function decidedTable(rows: Html[], links: Html): Html[] {
  return [
    html`<h2>Recently decided</h2>
<table class="list decided"><thead><tr><th>Request</th><th>Status</th><th>Target</th><th>Requester</th><th>Decided by</th><th>When</th></tr></thead><tbody>`,
    ...rows,
    html`</tbody></table>
${links}`,
  ];
}

function decidedRow(r: ApprovalRequest): Html {
  return html`<tr data-approval-id="${r.id}"><td><a href="/console/approvals/${r.id}">${r.id}</a> ${summaryOf(r.action)}</td><td>${badge(r.status)}</td><td>${r.target.name}</td><td>${actingFor(r.requester)}</td><td>${r.decided_by ?? "—"}</td><td>${time(r.decided_at ?? r.expires_at)}</td></tr>`;
}

/** A statement stored cut says so, with the whole text's size and digest (what the approval is bound to). */
function cutNote(request: ApprovalRequest): Html | string {
  const { text_bytes: bytes, text_sha256: sha256 } = request.request;
  if (bytes === undefined) return "";
  return html`<p class="warning">Only the first ${Buffer.byteLength(request.request.text, "utf8")} bytes are shown: the statement is ${bytes} bytes long (SHA-256 ${sha256 ?? "?"}), and the approval covers exactly that whole text.</p>`;
}
