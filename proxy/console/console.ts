import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { messageOf } from "../../engine/errors.js";
import { HttpError } from "../http/respond.js";
import { describeViewers, mayView, viewersOf } from "./access.js";
import { loadAssets, type Asset } from "./assets.js";
import { csrfMatches, ConsoleSessions } from "./console-session.js";
import type { Viewer } from "./layout.js";
import type { ConsoleOptions } from "./options.js";
import { messagePage } from "./pages/message-page.js";
import { readForm, redirect, sendAsset, sendHtml } from "./respond.js";
import { approvalRoutes } from "./routes/approval-routes.js";
import { callback, login, logout } from "./routes/sign-in-routes.js";
import { viewRoutes } from "./routes/view-routes.js";
import type { ConsoleContext, Route } from "./route-types.js";
import { ConsoleSignIn } from "./sign-in.js";
import { CookieSigner } from "./signed-cookie.js";

export type { ConsoleContext, Route, Visit } from "./route-types.js";

const DEFAULT_SESSION_TTL_SECONDS = 8 * 3600;
const DEFAULT_SESSION_IDLE_SECONDS = 30 * 60;




export interface WebConsole {
  /** `<publicUrl>/console/callback`: register it with the identity provider. */
  readonly redirectUri: string;
  /** Serves everything under /console/: mount it on the gateway's HTTP listener (`http.mount("/console/", console.handle)`). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * The web console: server-rendered pages on the gateway's HTTP listener, under /console/. People sign
 * in through the OIDC provider (sign-in.ts); what they see and may do follows their groups: approvals
 * they may decide or requested themselves (engine/approvals decides who may decide, and refuses anyone
 * else), and the audit log, sessions and policy status for viewers (access.ts). Every POST carries the
 * session's CSRF token and must come from the console's own origin.
 */
export function createConsole(options: ConsoleOptions): WebConsole {
  const publicUrl = options.publicUrl.replace(/\/+$/, "");
  const redirectUri = `${publicUrl}/console/callback`;
  const ctx: ConsoleContext = {
    options,
    origin: new URL(publicUrl).origin,
    sessions: new ConsoleSessions(new CookieSigner(options.cookieKey ?? randomBytes(32)), {
      secure: publicUrl.startsWith("https:"),
      absoluteSeconds: positive(options.sessionTtlSeconds, DEFAULT_SESSION_TTL_SECONDS, "sessionTtlSeconds"),
      idleSeconds: positive(options.sessionIdleSeconds, DEFAULT_SESSION_IDLE_SECONDS, "sessionIdleSeconds"),
      // The gateway's own revocations, exactly as they apply to tokens: revoking a person (or the id
      // token they signed in with) ends their console sessions begun until then.
      revoked: (identity, tokenId, startedAt) => options.identity.revocations.check(identity, tokenId, startedAt),
    }),
    signIn: new ConsoleSignIn(options.client, redirectUri, options.identity),
    log: options.log ?? (() => undefined),
  };
  const assets = loadAssets();
  const routes = [...approvalRoutes, ...viewRoutes];
  return {
    redirectUri,
    handle: (req, res) => dispatch(ctx, routes, assets, req, res).catch((error: unknown) => failed(ctx, res, error)),
  };
}

async function dispatch(ctx: ConsoleContext, routes: Route[], assets: Map<string, Asset>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", ctx.origin);
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (method === "GET" && path.startsWith("/console/assets/")) {
    const asset = assets.get(path.slice("/console/assets/".length));
    if (!asset) throw new HttpError(404, "not_found", `no asset ${path}`);
    return sendAsset(res, asset.type, asset.body);
  }
  if (method === "GET" && (path === "/console/" || path === "/console")) return redirect(res, "/console/approvals");
  if (method === "GET" && path === "/console/login") return login(ctx, req, res, url);
  if (method === "GET" && path === "/console/callback") return callback(ctx, req, res, url);

  const session = ctx.sessions.read(req);
  if (!session) {
    if (method === "GET") return redirect(res, `/console/login?next=${encodeURIComponent(path + url.search)}`);
    return sendHtml(res, 401, messagePage("signed-out", "Signed out", "Your console session has ended; nothing was done. Sign in and try again.", { signIn: true }));
  }
  const viewers = viewersOf(ctx.options.viewerGroups, ctx.options.policy);
  const viewer: Viewer = { identity: session.identity, csrf: session.csrf, mayView: mayView(session.identity, viewers) };

  let form = new URLSearchParams();
  if (method === "POST") {
    // Both checks: the token proves the form came from a console page of this session; the origin
    // check also stops a form on another site that somehow learned a token.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== ctx.origin) throw new HttpError(403, "forbidden", `A form from ${origin} cannot act on this console.`);
    form = await readForm(req);
    if (!csrfMatches(session, form.get("csrf"))) throw new HttpError(403, "forbidden", "This form has expired or did not come from this console session. Reload the page and try again.");
  }
  if (method === "POST" && path === "/console/logout") return logout(ctx, req, res);

  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.path.exec(path);
    if (!match) continue;
    if (route.viewersOnly && !viewer.mayView) {
      const message = `This page is for ${describeViewers(viewers)}. You are signed in as ${session.identity.subject} (${session.identity.groups.join(", ") || "no groups"}).`;
      return sendHtml(res, 403, messagePage("forbidden", "Not allowed", message, { viewer }));
    }
    const params = match.slice(1).map((p) => decoded(p ?? ""));
    return route.handle({ ctx, req, res, url, viewer, form, params });
  }
  const known = routes.some((r) => r.path.test(path)) || path === "/console/logout";
  if (known) throw new HttpError(405, "invalid_request", `${method} is not allowed on ${path}`);
  return sendHtml(res, 404, messagePage("not-found", "Not found", `There is no console page ${path}.`, { viewer }));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`the console's ${name} must be a positive whole number of seconds`);
  return value;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, "invalid_request", "The address is not valid.");
  }
}

function failed(ctx: ConsoleContext, res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (error instanceof HttpError) return sendHtml(res, error.status, messagePage(error.status === 403 ? "forbidden" : "error", error.status === 403 ? "Not allowed" : "Request refused", error.message));
  ctx.log(`console: ${messageOf(error)}`);
  sendHtml(res, 500, messagePage("error", "Something went wrong", "The console could not complete this request; the gateway's log says why."));
}
