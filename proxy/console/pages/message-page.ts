import { html } from "../html.js";
import { layout, type Frame, type Viewer } from "../layout.js";

/**
 * The pages that only say something: signed out, sign-in failed, not allowed, not found. `kind` is the
 * page marker (signed-out, sign-in-failed, forbidden, not-found, error); `signIn` adds a sign-in link
 * (true: the plain one, or the address to use).
 */
export function messagePage(kind: string, title: string, message: string, options: { viewer?: Viewer; signIn?: boolean | string } = {}): string {
  const frame: Frame = { title, kind };
  if (options.viewer) frame.viewer = options.viewer;
  return layout(frame, html`<p class="message">${message}</p>${options.signIn ? html`<p><a class="button" href="${options.signIn === true ? "/console/login" : options.signIn}">Sign in</a></p>` : ""}`);
}
