import * as oidc from "openid-client";
import { credentialsPath, readCredentials, writeCredentials, type StoredCredentials } from "./credential-store.js";
import { describeOidcError, discoverIssuer, oauthErrorCode } from "./issuer-client.js";

/** Tokens this close to expiry are refreshed first, so one does not lapse on its way to the gateway. */
const REFRESH_MARGIN_SECONDS = 60;

export const LOGIN_AGAIN = "run `portcullis login` again";

/** The stored credentials, or an error telling the person to log in. */
export function requireCredentials(): StoredCredentials {
  const credentials = readCredentials();
  if (!credentials) throw new Error(`not logged in (no credentials at ${credentialsPath()}); run \`portcullis login\` first`);
  return credentials;
}

/**
 * Credentials whose id token is good for at least another minute: refreshed with the refresh token
 * (and stored again) when needed. An issuer that refuses the refresh token means the sign-in is over.
 */
export async function freshCredentials(credentials: StoredCredentials): Promise<StoredCredentials> {
  const now = Math.floor(Date.now() / 1000);
  if (credentials.expires_at - REFRESH_MARGIN_SECONDS > now) return credentials;
  if (!credentials.refresh_token) throw new Error(`your sign-in has expired; ${LOGIN_AGAIN}`);
  const config = await discoverIssuer(credentials.issuer, credentials.client_id);
  let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  try {
    tokens = await oidc.refreshTokenGrant(config, credentials.refresh_token);
  } catch (error) {
    if (oauthErrorCode(error) === "invalid_grant") throw new Error(`your sign-in has expired or was revoked (the refresh token was refused); ${LOGIN_AGAIN}`);
    throw new Error(`could not refresh your sign-in at ${credentials.issuer}: ${describeOidcError(error)}`);
  }
  const refreshed = credentialsFromTokens(tokens, credentials);
  writeCredentials(refreshed);
  return refreshed;
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
