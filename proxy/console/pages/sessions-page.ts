import type { RecordingSummary } from "../../../engine/recording/types.js";
import { html, time } from "../html.js";
import { layout, type Viewer } from "../layout.js";

/** Every recorded session, newest first, each linking to its replay. */
export function sessionsPage(viewer: Viewer, summaries: RecordingSummary[] | undefined): { status: number; body: string } {
  const body =
    summaries === undefined
      ? html`<p class="empty">Session recording is off on this gateway.</p>`
      : summaries.length === 0
        ? html`<p class="empty">No sessions have been recorded yet.</p>`
        : html`<table class="list sessions"><thead><tr><th>Started</th><th>Session</th><th>Subject</th><th>Target</th><th>Protocol</th><th>Requests</th><th>Refused</th><th>Ended</th></tr></thead><tbody>
${[...summaries].reverse().map(
  (s) => html`<tr data-session="${s.session_id}"><td>${time(s.started_at)}</td><td><a href="/console/sessions/${encodeURIComponent(s.session_id)}">${s.session_id}</a></td><td>${s.subject}</td><td>${s.target}</td><td>${s.protocol}</td><td class="num">${s.requests}</td><td class="num">${s.refused}</td><td>${s.ended_at ? html`${time(s.ended_at)}${s.end_reason ? html` <span class="muted">${s.end_reason}</span>` : ""}` : html`<span class="badge badge-live">live</span>`}</td></tr>`,
)}
</tbody></table>`;
  return { status: 200, body: layout({ title: "Sessions", kind: "sessions", viewer, section: "sessions" }, body) };
}
