import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleContext } from "../route-types.js";
import { escapeHtml } from "../html.js";
import { messagePage } from "../pages/message-page.js";
import { redirect, sendHtml } from "../respond.js";
import { SignInError } from "../sign-in.js";

const HOME = "/console/approvals";

/**
 * `GET /console/login[?next=…][&switch=1]`: off to the identity provider. `switch=1` (the link on the
 * signed-out page) asks the provider to show its sign-in page even when it remembers someone, so a
 * person can sign in as somebody else.
 */
export async function login(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const next = safeNext(url.searchParams.get("next"), ctx.origin);
  if (ctx.sessions.read(req) && url.searchParams.get("switch") === null) return redirect(res, next);
  try {
    const { url: authorization, transaction } = await ctx.signIn.begin(next);
    if (url.searchParams.get("switch") !== null) authorization.searchParams.set("prompt", "login");
    redirect(res, authorization.href, { "set-cookie": ctx.sessions.startLogin(transaction) });
  } catch (error) {
    signInFailed(ctx, res, error);
  }
}

/** `GET /console/callback`: the provider sends the person back here with a code (or an error). */
export async function callback(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const transaction = ctx.sessions.readLogin(req);
  if (!transaction) {
    return sendHtml(res, 400, messagePage("sign-in-failed", "Sign-in failed", "This sign-in was not started here, or took longer than 10 minutes. Please sign in again.", { signIn: true }), {
      "set-cookie": ctx.sessions.endLogin(),
    });
  }
  try {
    const signedIn = await ctx.signIn.complete(url, transaction);
    ctx.log(`console: ${signedIn.identity.subject} (${signedIn.identity.issuer}) signed in`);
    continueTo(res, safeNext(transaction.next, ctx.origin), [ctx.sessions.endLogin(), ctx.sessions.start(signedIn)]);
  } catch (error) {
    signInFailed(ctx, res, error);
  }
}

/**
 * The callback's answer: a page that moves on to `next` by itself. Not a redirect: the browser came
 * here from the provider, a cross-site navigation, and would carry that through a redirect and leave
 * the new SameSite=Strict session cookie behind; a navigation this page starts is same-site.
 */
function continueTo(res: ServerResponse, next: string, cookies: string[]): void {
  const href = escapeHtml(next);
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="portcullis-page" content="signed-in"><meta http-equiv="refresh" content="0;url=${href}"><title>Signed in · Portcullis</title></head>
<body><p>Signed in. <a id="continue" href="${href}">Continue to the console</a>.</p></body></html>
`;
  sendHtml(res, 200, body, { "set-cookie": cookies });
}

/** `POST /console/logout` (CSRF-checked by the dispatcher): the session ends on the gateway, not just in this browser. */
export function logout(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse): void {
  const page = messagePage("signed-out", "Signed out", "You are signed out of the Portcullis console.", { signIn: "/console/login?switch=1" });
  sendHtml(res, 200, page, { "set-cookie": ctx.sessions.end(req) });
}

function signInFailed(ctx: ConsoleContext, res: ServerResponse, error: unknown): void {
  if (!(error instanceof SignInError)) throw error;
  ctx.log(`console: sign-in failed: ${error.detail}`);
  sendHtml(res, 401, messagePage("sign-in-failed", "Sign-in failed", error.message, { signIn: true }), { "set-cookie": ctx.sessions.endLogin() });
}

/**
 * Where to go after sign-in: only a console page of this origin, never another site (`//evil`,
 * `/\evil`, `https://…`), another path (`/console/../x`) or anything with control characters; else
 * the console's home. The answer is the URL parser's own serialisation, percent-encoded ASCII, so any
 * character (`€`, raw UTF-8) can go in a Location header.
 */
export function safeNext(next: string | null, origin: string): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(next)) return HOME;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return HOME;
  }
  if (url.origin !== origin || !url.pathname.startsWith("/console/") || url.pathname.startsWith("/console//")) return HOME;
  const target = url.pathname + url.search;
  return /^[\x21-\x7e]+$/.test(target) ? target : HOME;
}
