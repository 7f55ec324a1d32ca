import type { PolicyStatus } from "../../../engine/policy/policy-service.js";
import { html, time } from "../html.js";
import { layout, type Viewer } from "../layout.js";

export interface PolicyView {
  status: PolicyStatus;
  /** Where the serving bundle was built from, and when. */
  source: string;
  builtAt: string;
}

/** The serving policy: its revision, when it was last (re)loaded, and the last reload's failure if any. */
export function policyPage(viewer: Viewer, view: PolicyView): { status: number; body: string } {
  const { status } = view;
  const body = html`${status.lastError
    ? html`<div class="policy-error" data-policy-error><h2>The last reload failed</h2><p>Still serving revision <code>${status.revision}</code>. The failure (${time(status.lastAttemptAt)}):</p><pre>${status.lastError}</pre></div>`
    : html`<p class="notice notice-ok">The last reload succeeded.</p>`}
<dl class="facts policy">
<dt>Revision</dt><dd><code data-revision>${status.revision}</code></dd>
<dt>Loaded</dt><dd>${time(status.loadedAt)}</dd>
<dt>Last reload attempt</dt><dd>${time(status.lastAttemptAt)}</dd>
<dt>Reloads</dt><dd>${status.reloads}</dd>
<dt>Last error</dt><dd>${status.lastError ? html`<span class="error">${status.lastError.split("\n")[0]}</span>` : "none"}</dd>
<dt>Directory</dt><dd><code>${status.dir}</code></dd>
<dt>Built from</dt><dd><code>${view.source}</code> at ${time(view.builtAt)}</dd>
</dl>`;
  return { status: 200, body: layout({ title: "Policy status", kind: "policy", viewer, section: "policy" }, body) };
}
