import type { IncomingMessage, ServerResponse } from "node:http";
import type { IdentityService } from "../../engine/identity/index.js";
import { GENERIC_AUTHENTICATION_FAILURE } from "../../engine/identity/index.js";
import type { AuthLog } from "./route-types.js";
import { bearerCaller } from "./bearer-caller.js";
import { HttpError, readParams, sendJson, wholeNumber } from "./respond.js";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const ACCEPTED_SUBJECT_TOKEN_TYPES = new Set([JWT_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:id_token", "urn:ietf:params:oauth:token-type:access_token"]);
/** What a client may ask to receive: the gateway token is a JWT, usable as an access token. */
const ISSUABLE_TOKEN_TYPES = new Set([JWT_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:access_token"]);
/** Target names as the config file spells them; anything else in `audience`/`resource` is a mistake. */
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/**
 * `POST /v1/token`: RFC 8693 token exchange. A verified IdP token in, a short-lived gateway token out,
 * optionally scoped to targets (`audience` or `resource`, repeatable). With `actor_token` (an agent's
 * workload token) it is delegation: the subject may then be a gateway token too, and the new token's
 * `act` claim names the agent after any already acting for the subject. Failures answer RFC 6749 errors;
 * why exactly a token was refused goes to the auth log, never to the client.
 */
export async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, identity: IdentityService, log: AuthLog): Promise<void> {
  const params = await readParams(req);
  if (params.get("grant_type") !== TOKEN_EXCHANGE) throw new HttpError(400, "unsupported_grant_type", `grant_type must be ${TOKEN_EXCHANGE}`);
  const subjectToken = params.get("subject_token");
  const subjectTokenType = params.get("subject_token_type");
  if (!subjectToken || !subjectTokenType) throw new HttpError(400, "invalid_request", "subject_token and subject_token_type are required");
  if (!ACCEPTED_SUBJECT_TOKEN_TYPES.has(subjectTokenType)) throw new HttpError(400, "invalid_request", `unsupported subject_token_type ${subjectTokenType}`);
  const actorToken = params.get("actor_token");
  const actorTokenType = params.get("actor_token_type");
  // RFC 8693 2.1: actor_token_type is required exactly when actor_token is present.
  if ((actorToken === null) !== (actorTokenType === null)) throw new HttpError(400, "invalid_request", "actor_token and actor_token_type go together");
  if (actorTokenType !== null && !ACCEPTED_SUBJECT_TOKEN_TYPES.has(actorTokenType)) throw new HttpError(400, "invalid_request", `unsupported actor_token_type ${actorTokenType}`);
  const requested = params.get("requested_token_type");
  if (requested !== null && !ISSUABLE_TOKEN_TYPES.has(requested)) throw new HttpError(400, "invalid_request", `cannot issue requested_token_type ${requested}`);
  const targets = [...new Set([...params.getAll("audience"), ...params.getAll("resource")])];
  const badTarget = targets.find((t) => !TARGET_NAME.test(t));
  if (badTarget !== undefined) throw new HttpError(400, "invalid_target", `"${badTarget.slice(0, 64)}" is not a target name`);
  const ttlParam = params.get("requested_ttl");
  const ttl = ttlParam === null ? undefined : wholeNumber(ttlParam, "requested_ttl (seconds)", 1, 366 * 24 * 3600);
  const result = await identity.exchange(subjectToken, { targets, ...(ttl !== undefined ? { ttlSeconds: ttl } : {}), ...(actorToken ? { actorToken } : {}) });
  if (!result.ok) {
    log({ event: "token_exchange_rejected", code: result.code, detail: result.detail, client_addr: req.socket.remoteAddress ?? "" });
    // RFC 6749 5.2: a subject token that is invalid, expired or revoked is an invalid_grant; which check failed stays here.
    throw new HttpError(400, "invalid_grant", GENERIC_AUTHENTICATION_FAILURE);
  }
  const actors = result.issued.actors.map((a) => ({ subject: a.subject, issuer: a.issuer, kind: a.kind }));
  log({ event: "token_issued", subject: result.verified.identity.subject, issuer: result.verified.identity.issuer, jti: result.issued.jti, targets, expires_at: result.issued.expires_at, ...(actors.length > 0 ? { actors } : {}) });
  sendJson(res, 200, {
    access_token: result.issued.token,
    issued_token_type: JWT_TOKEN_TYPE,
    token_type: "Bearer",
    expires_in: result.issued.expires_in,
    ...(targets.length > 0 ? { audience: targets } : {}),
  });
}

/** `GET /v1/whoami`: the identity the gateway sees behind a bearer token. */
export async function whoami(req: IncomingMessage, res: ServerResponse, identity: IdentityService, log: AuthLog): Promise<void> {
  const result = await bearerCaller(req, identity, log, "whoami_rejected");
  const { subject, issuer, groups, kind, claims, actors } = result.identity;
  sendJson(res, 200, { subject, issuer, groups, kind, claims, ...(actors ? { actors } : {}), via: result.via, expires_at: new Date(result.expiresAt * 1000).toISOString(), ...(result.targets ? { targets: result.targets } : {}) });
}

export function jwks(res: ServerResponse, identity: IdentityService): void {
  sendJson(res, 200, identity.tokens.jwks(), { "cache-control": "public, max-age=300" });
}

export function loginConfig(res: ServerResponse, identity: IdentityService): void {
  sendJson(res, 200, { issuers: identity.loginIssuers() });
}
