import type { IncomingMessage, ServerResponse } from "node:http";
import type { Interaction, InteractionResults, Provider } from "oidc-provider";
import type { DemoUser } from "./demo-users.js";
import { errorPage, loginPage } from "./pages.js";
import { messageOf } from "../../engine/errors.js";

const MAX_FORM_BYTES = 16 * 1024;

/**
 * Our interaction routes, in place of oidc-provider's development-only ones:
 *   GET  /interaction/:uid        the login page (or, when already signed in, consent granted at once)
 *   POST /interaction/:uid/login  signs the chosen demo user in and grants the requested scopes
 *   POST /interaction/:uid/abort  ends the interaction with access_denied
 * The demo has no passwords and no consent page: picking a user is signing in, and signing in grants
 * what the client asked for, so a device flow needs exactly one form after the user code.
 */
export async function handleInteraction(provider: Provider, users: readonly DemoUser[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", provider.issuer).pathname;
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(path);
  if (!match) return send(res, 404, errorPage("not_found", `no page ${path}`));
  const [, uid, action] = match;
  try {
    // Reads the interaction named by the interaction cookie: a uid in the URL alone proves nothing.
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, errorPage("invalid_request", "this sign-in page belongs to another sign-in"));
    const clientId = details.params.client_id ?? "";

    if (action === undefined && req.method === "GET") {
      if (details.prompt.name === "login" || !details.session) {
        const scope = typeof details.params.scope === "string" ? details.params.scope : "";
        return send(res, 200, loginPage(`/interaction/${uid}/login`, `/interaction/${uid}/abort`, clientId, scope, users));
      }
      // Already signed in and only consent is missing: grant it without a page.
      const grantId = await saveGrant(provider, details, details.session.accountId, details.grantId);
      return finish(provider, req, res, { consent: { grantId } }, true);
    }
    if (req.method !== "POST") return send(res, 405, errorPage("invalid_request", `${req.method ?? "?"} is not allowed here`));

    if (action === "abort") return finish(provider, req, res, { error: "access_denied", error_description: "End-User aborted interaction" }, false);

    const username = (await readForm(req)).get("username") ?? "";
    if (!users.some((u) => u.username === username)) return send(res, 400, errorPage("invalid_request", `unknown user "${username}"`));
    const grantId = await saveGrant(provider, details, username, undefined);
    return finish(provider, req, res, { login: { accountId: username }, consent: { grantId } }, false);
  } catch (error) {
    // Typically an expired or unknown interaction (oidc-provider's SessionNotFound).
    const message = messageOf(error);
    return send(res, 400, errorPage("interaction_failed", message));
  }
}

/**
 * Grants what the interaction asks for: every requested OpenID scope, plus whatever the consent
 * prompt reports missing (claims, resource scopes). Returns the grant's id.
 */
async function saveGrant(provider: Provider, details: Interaction, accountId: string, existingGrantId: string | undefined): Promise<string> {
  const existing = existingGrantId ? await provider.Grant.find(existingGrantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId: details.params.client_id ?? "" });
  if (typeof details.params.scope === "string" && details.params.scope) grant.addOIDCScope(details.params.scope);
  const missing = details.prompt.details;
  if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(" "));
  return grant.save();
}

async function finish(provider: Provider, req: IncomingMessage, res: ServerResponse, result: InteractionResults, merge: boolean): Promise<void> {
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: merge });
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new Error("form too large");
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}
