import * as oidc from "openid-client";
import { isLoopback } from "../engine/identity/loopback.js";
import { networkReason } from "./gateway-client.js";
import { messageOf } from "../engine/errors.js";

/** What a person's login asks for: an id token with email, name and groups, and a refresh token. */
export const DEFAULT_SCOPES = "openid email profile groups offline_access";

/**
 * openid-client configured for an issuer and a public client (no secret: the device flow runs on
 * the person's machine). Plain http is accepted only for an issuer on this machine (tests, the demo).
 */
export async function discoverIssuer(issuer: string, clientId: string): Promise<oidc.Configuration> {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`the issuer is not a URL: "${issuer}"`);
  }
  const options: oidc.DiscoveryRequestOptions = { timeout: 15 };
  if (isLoopback(url.href)) options.execute = [oidc.allowInsecureRequests];
  try {
    return await oidc.discovery(url, clientId, undefined, oidc.None(), options);
  } catch (error) {
    throw new Error(`cannot use the identity provider at ${issuer}: ${describeOidcError(error)}`);
  }
}

/** A one-line reason for anything openid-client throws: OAuth errors, HTTP problems, network failures. */
export function describeOidcError(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError) return error.error_description ? `${error.error_description} (${error.error})` : error.error;
  if (error instanceof oidc.WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return parameters?.error ? `${parameters.error_description ?? ""} (${parameters.error})`.trim() : error.message;
  }
  if (error instanceof oidc.ClientError && error.code === "OAUTH_HTTP_REQUEST_FORBIDDEN") return "only https issuers are allowed (plain http only on this machine)";
  if (error instanceof TypeError) return networkReason(error);
  return messageOf(error);
}

/** The OAuth error code of an openid-client failure (`invalid_grant`, `access_denied`, …), if it has one. */
export function oauthErrorCode(error: unknown): string | undefined {
  if (error instanceof oidc.ResponseBodyError) return error.error;
  if (error instanceof oidc.WWWAuthenticateChallengeError) return error.cause[0]?.parameters.error;
  return undefined;
}
