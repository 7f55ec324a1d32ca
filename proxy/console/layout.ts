import { randomBytes } from "node:crypto";
import type { Identity } from "../../engine/policy/types.js";
import { html, raw, type Html } from "./html.js";

/** Who is looking, as every page needs it for its header. */
export interface Viewer {
  identity: Identity;
  /** The session's CSRF token, put into every form that POSTs. */
  csrf: string;
  /** May see the audit log, sessions and policy status. */
  mayView: boolean;
}

export interface Frame {
  title: string;
  /** `<meta name="portcullis-page">`: lets tests (and people reading source) tell pages apart without scraping prose. */
  kind: string;
  viewer?: Viewer;
  /** Which navigation entry is current. */
  section?: "approvals" | "audit" | "sessions" | "policy";
  /** A banner above the page: what just happened, or what went wrong. */
  notice?: { kind: "ok" | "error" | "info"; text: Html | string };
}

/** The whole HTML document around a page's body. Styles and scripts come from /console/assets/ (the CSP forbids inline ones). */
export function layout(frame: Frame, body: Html): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="portcullis-page" content="${frame.kind}">
<title>${frame.title} · Portcullis console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<header class="top">
<a class="brand" href="/console/approvals">Portcullis</a>
${frame.viewer ? navigation(frame.viewer, frame.section) : ""}
</header>
<main>
${frame.notice ? html`<p class="notice notice-${frame.notice.kind}" role="status">${frame.notice.text}</p>` : ""}
<h1>${frame.title}</h1>
${body}
</main>
</body>
</html>`.text;
}

/** Where the body goes in `layoutParts`: random, so no value on the page (an attribute keeps its text exact) can be it. */
const BODY = `\u0000${randomBytes(16).toString("hex")}\u0000`;

/**
 * The same document as pieces for sendHtmlParts: the layout before the body, the body's pieces as they
 * were built (a card or row each), and the layout after it.
 */
export function layoutParts(frame: Frame, body: readonly Html[]): string[] {
  const [before = "", after = ""] = layout(frame, raw(BODY)).split(BODY);
  return [before, ...body.map((piece) => piece.text), after];
}

function navigation(viewer: Viewer, section: Frame["section"]): Html {
  const entries: Array<[NonNullable<Frame["section"]>, string, boolean]> = [
    ["approvals", "Approvals", true],
    ["audit", "Audit log", viewer.mayView],
    ["sessions", "Sessions", viewer.mayView],
    ["policy", "Policy", viewer.mayView],
  ];
  const { identity } = viewer;
  const name = typeof identity.claims.name === "string" ? identity.claims.name : identity.subject;
  return html`<nav>${entries
    .filter(([, , shown]) => shown)
    .map(([key, label]) => html`<a href="/console/${key}"${key === section ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>
<div class="who">
<span class="who-name" title="${identity.issuer}">${name} (${identity.subject})</span>
<span class="who-groups">${identity.groups.length > 0 ? identity.groups.join(", ") : "no groups"}</span>
<form method="post" action="/console/logout">${csrfField(viewer)}<button type="submit" class="link">Sign out</button></form>
</div>`;
}

export function csrfField(viewer: Viewer): Html {
  return html`<input type="hidden" name="csrf" value="${viewer.csrf}">`;
}
