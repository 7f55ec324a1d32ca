import { actorsFact } from "./actors.js";
import { effectOf, maskAddress } from "../../../engine/policy/types.js";
import type { Recording, RequestLine, TerminalLine } from "../../../engine/recording/types.js";
import { terminalView } from "../terminal-view.js";
import { requestCode } from "../request-code.js";
import { describeResult } from "../../../engine/actions/request-text.js";
import { badge, duration, html, time, type Html } from "../html.js";
import { layout, type Viewer } from "../layout.js";

/**
 * One session, replayable step by step. Every step is in the page (it reads fine without script);
 * console.js turns the list into a player: first/previous/next/play, one request at a time, play
 * keeping the recorded gaps between requests (each capped, so a long pause does not stall it).
 */
export function replayPage(viewer: Viewer, recording: Recording): { status: number; body: string } {
  const { session, identity, target, policy_revision } = recording.session;
  const steps = recording.requests;
  const body = html`<dl class="facts session-facts">
<dt>Session</dt><dd><code>${session.id}</code> (${session.protocol}${session.client_addr ? ` from ${session.client_addr}` : ""})</dd>
<dt>Who</dt><dd>${identity.subject} <span class="muted">${identity.issuer}</span> ${identity.groups.map((g) => html`<span class="tag">${g}</span>`)}</dd>
${actorsFact(identity.actors, "Through agents")}
<dt>Target</dt><dd>${target.name} ${Object.entries(target.tags).map(([k, v]) => html`<span class="tag">${k}=${v}</span>`)}</dd>
<dt>Started</dt><dd>${time(session.started_at)}</dd>
<dt>Ended</dt><dd>${recording.end ? html`${time(recording.end.at)}${recording.end.reason ? ` (${recording.end.reason})` : ""}` : "still running, or the gateway stopped"}</dd>
${policy_revision ? html`<dt>Policy</dt><dd><code>${policy_revision}</code></dd>` : ""}
</dl>
${recording.torn ? html`<p class="warn">The recording's last line was cut short (the gateway stopped mid-write); it is left out.</p>` : ""}
${steps.length === 0
    ? html`<p class="empty">This session made no requests.</p>`
    : html`<div class="replay-controls" hidden>
<button type="button" data-replay="first">« First</button>
<button type="button" data-replay="prev">◀ Previous</button>
<button type="button" data-replay="next" class="primary">Next ▶</button>
<button type="button" data-replay="play">▶▶ Play</button>
<button type="button" data-replay="all">Show all</button>
<span class="replay-status" aria-live="polite">Step <span data-replay-current>0</span> of ${steps.length}</span>
</div>
<ol class="replay" data-steps="${steps.length}">
${steps.map((line, index) => step(line, index, recording.terminal.filter((t) => t.request_seq === line.seq)))}
</ol>`}`;
  return { status: 200, body: layout({ title: `Session ${session.id}`, kind: "replay", viewer, section: "sessions" }, body) };
}

function step(line: RequestLine, index: number, terminal: TerminalLine[]): Html {
  const effect = effectOf(line.decision);
  const result = line.result;
  const masked = result && "kind" in result ? describeResult(result).masked : [];
  const masking = new Set([...(line.decision.mask ?? []).map((m) => `${maskAddress(m)} (${m.strategy})`)]);
  return html`<li class="step" data-step="${index + 1}" data-offset-ms="${line.offset_ms ?? 0}" data-effect="${effect}">
<div class="step-head"><span class="step-no">#${line.seq}</span> <span class="offset">+${((line.offset_ms ?? 0) / 1000).toFixed(3)} s</span> ${time(line.at)} ${badge(effect)}</div>
${requestCode(line.request)}
<dl class="facts">
${line.decision.reasons.length > 0 ? html`<dt>Reasons</dt><dd>${line.decision.reasons.join("; ")}</dd>` : ""}
${masking.size > 0 ? html`<dt>Masking</dt><dd>${[...masking].join(", ")}</dd>` : ""}
${line.approval ? html`<dt>Approval</dt><dd>${line.approval.id} by ${line.approval.granted_by}</dd>` : ""}
<dt>Result</dt><dd class="result">${resultText(line)}</dd>
<dt>Timing</dt><dd>decided in ${duration(line.decide_us)}${line.duration_us ? `, answered in ${duration(line.duration_us)}` : ""}${line.audit_seq !== undefined ? html` · <a href="/console/audit?type=decision#seq-${line.audit_seq}">audit seq ${line.audit_seq}</a>` : ""}</dd>
</dl>
${masked.length > 0 ? html`<p class="masked">Masked in the result: ${masked.join(", ")}</p>` : ""}
${terminalView(terminal)}
</li>`;
}

/** What came back, without row values (recordings never hold them). */
function resultText(line: RequestLine): Html {
  const result = line.result;
  if (!result) return html`<span class="muted">no response recorded</span>`;
  if ("error" in result) return html`<span class="error">ERROR${result.error.code ? ` ${result.error.code}` : ""}: ${result.error.message}</span>`;
  return html`${describeResult(result).summary || "done"}`;
}
