import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleContext } from "../console.js";
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
  const next = safeNext(url.searchParams.get("next"));
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
    const identity = await ctx.signIn.complete(url, transaction);
    ctx.log(`console: ${identity.subject} (${identity.issuer}) signed in`);
    redirect(res, safeNext(transaction.next), { "set-cookie": [ctx.sessions.endLogin(), ctx.sessions.start(identity)] });
  } catch (error) {
    signInFailed(ctx, res, error);
  }
}

/** `POST /console/logout` (CSRF-checked by the dispatcher). */
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
 * Only a console page may be returned to: never another site (`//evil`, `https://…`) or another path.
 * The path is re-encoded as the URL parser reads it, so any character a person could put there (a
 * non-ASCII one, say) becomes a valid Location header instead of a failed response.
 */
function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/console/") || next.startsWith("/console//") || /[\\\r\n]/.test(next)) return HOME;
  let parsed: URL;
  try {
    parsed = new URL(next, "http://console.invalid");
  } catch {
    return HOME;
  }
  if (parsed.origin !== "http://console.invalid" || !parsed.pathname.startsWith("/console/")) return HOME;
  return `${parsed.pathname}${parsed.search}`;
}
