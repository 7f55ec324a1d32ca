import { closeSync, openSync, rmSync, statSync } from "node:fs";
import * as oidc from "openid-client";
import { credentialsPath, readCredentials, writeCredentials, type StoredCredentials } from "./credential-store.js";
import { describeOidcError, discoverIssuer, oauthErrorCode } from "./issuer-client.js";

/** At most this long before expiry a token is refreshed first, so it does not lapse on its way to the gateway. */
const MAX_REFRESH_MARGIN_SECONDS = 60;
/** How long a command waits for another one that is refreshing the same sign-in. */
const LOCK_WAIT_MS = 20_000;
/** A lock file older than this was left by a command that died; it is taken over. */
const STALE_LOCK_MS = 30_000;

export const LOGIN_AGAIN = "run `portcullis login` again";

/** The stored credentials, or an error telling the person to log in. */
export function requireCredentials(): StoredCredentials {
  const credentials = readCredentials();
  if (!credentials) throw new Error(`not logged in (no credentials at ${credentialsPath()}); run \`portcullis login\` first`);
  return credentials;
}

/**
 * Refresh a quarter of the way before expiry, at most a minute before: a one-hour token is refreshed
 * in its last minute, a short-lived one (tests use seconds) not at once.
 */
function isFresh(credentials: StoredCredentials): boolean {
  const lifetime = credentials.expires_at - credentials.obtained_at;
  const margin = Math.min(MAX_REFRESH_MARGIN_SECONDS, Math.max(1, Math.floor(lifetime / 4)));
  return credentials.expires_at - margin > Math.floor(Date.now() / 1000);
}

/**
 * Credentials whose id token is still good: refreshed with the refresh token (and stored again) when
 * needed. Commands running at once (`PGPASSWORD=$(portcullis token) …` in parallel scripts) refresh one
 * at a time under a lock file: issuers rotate refresh tokens, and one presented twice can end the whole
 * sign-in. An issuer that refuses the refresh token means the sign-in is over.
 */
export async function freshCredentials(credentials: StoredCredentials): Promise<StoredCredentials> {
  if (isFresh(credentials)) return credentials;
  return withRefreshLock(credentialsPath(), async () => {
    const current = readCredentials() ?? credentials; // another command may have refreshed meanwhile
    if (isFresh(current)) return current;
    if (!current.refresh_token) throw new Error(`your sign-in has expired; ${LOGIN_AGAIN}`);
    const config = await discoverIssuer(current.issuer, current.client_id);
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.refreshTokenGrant(config, current.refresh_token);
    } catch (error) {
      if (oauthErrorCode(error) === "invalid_grant") throw new Error(`your sign-in has expired or was revoked (the refresh token was refused); ${LOGIN_AGAIN}`);
      throw new Error(`could not refresh your sign-in at ${current.issuer}: ${describeOidcError(error)}`);
    }
    const refreshed = credentialsFromTokens(tokens, current);
    writeCredentials(refreshed);
    return refreshed;
  });
}

async function withRefreshLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released between our attempt and the stat: try again at once
    }
    if (age > STALE_LOCK_MS) rmSync(lock, { force: true });
    else if (Date.now() > deadline) throw new Error(`another portcullis command is refreshing your sign-in (${lock}); if none is running, remove that file`);
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * What to store from a token response. The id token is what the gateway exchanges, so a response
 * without one (an issuer that does not return id tokens on refresh) cannot keep the sign-in going.
 * Issuers may or may not rotate the refresh token; when they do not, the old one is kept.
 */
export function credentialsFromTokens(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, base: Omit<StoredCredentials, "id_token" | "access_token" | "expires_at" | "obtained_at">): StoredCredentials {
  const claims = tokens.claims();
  if (!tokens.id_token || !claims) throw new Error(`${base.issuer} returned no id token (the login needs the openid scope); ${LOGIN_AGAIN}`);
  const credentials: StoredCredentials = {
    issuer: base.issuer,
    client_id: base.client_id,
    scope: base.scope,
    id_token: tokens.id_token,
    access_token: tokens.access_token,
    expires_at: claims.exp,
    obtained_at: Math.floor(Date.now() / 1000),
  };
  if (base.issuer_name) credentials.issuer_name = base.issuer_name;
  if (base.gateway) credentials.gateway = base.gateway;
  const refreshToken = tokens.refresh_token ?? base.refresh_token;
  if (refreshToken) credentials.refresh_token = refreshToken;
  return credentials;
}
