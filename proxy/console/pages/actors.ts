import type { Actor } from "../../../engine/policy/types.js";
import { html, type Html } from "../html.js";

/** The agents acting for a person, as a facts entry (agent acting now last); nothing without any. */
export function actorsFact(actors: readonly Actor[] | undefined, label: string): Html | string {
  if (!actors || actors.length === 0) return "";
  return html`<dt>${label}</dt><dd class="actors">${actors.map((a, i) => html`${i > 0 ? " → " : ""}<span class="actor" title="${a.issuer}">${a.subject}</span>`)}</dd>`;
}
