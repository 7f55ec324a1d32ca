import type { RecordingSummary } from "../../../engine/recording/types.js";
import { html, time, type Html } from "../html.js";
import { layoutParts, type Viewer } from "../layout.js";
import { renderEach } from "../paging.js";
import { pager, type PagerLinks } from "./pager.js";

export interface SessionsView {
  /** One page of recorded sessions, newest first. */
  summaries: RecordingSummary[];
  /** How many sessions are recorded in all. */
  total: number;
  pager?: PagerLinks;
}

/** Recorded sessions, newest first, each linking to its replay; `undefined` when recording is off. Rows are built one per turn of the event loop. */
export async function sessionsPage(viewer: Viewer, view: SessionsView | undefined): Promise<{ status: number; parts: string[] }> {
  const rows = view ? await renderEach(view.summaries, row) : [];
  const body =
    view === undefined
      ? [html`<p class="empty">Session recording is off on this gateway.</p>`]
      : view.total === 0
        ? [html`<p class="empty">No sessions have been recorded yet.</p>`]
        : [
            html`${view.total > rows.length ? html`<p class="count">${rows.length} of ${view.total} recorded sessions, newest first.</p>` : ""}
<table class="list sessions"><thead><tr><th>Started</th><th>Session</th><th>Subject</th><th>Target</th><th>Protocol</th><th>Requests</th><th>Refused</th><th>Ended</th></tr></thead><tbody>`,
            ...rows,
            html`</tbody></table>
${pager("sessions", view.pager, "Newest sessions")}`,
          ];
  return { status: 200, parts: layoutParts({ title: "Sessions", kind: "sessions", viewer, section: "sessions" }, body) };
}

function row(s: RecordingSummary): Html {
  return html`<tr data-session="${s.session_id}"><td>${time(s.started_at)}</td><td><a href="/console/sessions/${encodeURIComponent(s.session_id)}">${s.session_id}</a></td><td>${s.subject}</td><td>${s.target}</td><td>${s.protocol}</td><td class="num">${s.requests}</td><td class="num">${s.refused}</td><td>${s.ended_at ? html`${time(s.ended_at)}${s.end_reason ? html` <span class="muted">${s.end_reason}</span>` : ""}` : html`<span class="badge badge-live">live</span>`}</td></tr>`;
}
