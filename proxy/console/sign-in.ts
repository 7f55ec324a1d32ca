import * as oidc from "openid-client";
import { messageOf, CodedError } from "../../engine/errors.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import type { LoginTransaction, SignInResult } from "./sign-in-types.js";

export type { LoginTransaction } from "./sign-in-types.js";
import type { ConsoleClient } from "./options.js";

export const DEFAULT_CONSOLE_SCOPES = ["openid", "email", "profile", "groups"];


/** A sign-in that did not work: `message` is for the person, `detail` for the gateway's log. */
export class SignInError extends CodedError<"SIGN_IN_FAILED"> {
  readonly detail: string;
  constructor(message: string, detail: string) {
    super("SIGN_IN_FAILED", message);
    this.detail = detail;
  }
}

/**
 * Signing people in with the authorization code flow and PKCE (RFC 7636, S256), state and nonce.
 * openid-client checks the authorization response (state, `iss` per RFC 9207) and the token response
 * (nonce, the id token's iss/aud/exp); then the id token is verified once more by the gateway's own
 * IdentityService, so the console's person is the same Identity (subject, groups by the issuer's
 * `groups_claim`, revocations) the gateway would see behind any token from that issuer.
 */
export class ConsoleSignIn {
  private readonly client: ConsoleClient;
  private readonly redirectUri: string;
  private readonly identity: IdentityService;
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(client: ConsoleClient, redirectUri: string, identity: IdentityService) {
    this.client = client;
    this.redirectUri = redirectUri;
    this.identity = identity;
  }

  /** Where to send the browser, and what to remember until it comes back. */
  async begin(next: string): Promise<{ url: URL; transaction: LoginTransaction }> {
    const config = await this.configuration();
    const transaction: LoginTransaction = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier(), next };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: (this.client.scopes ?? DEFAULT_CONSOLE_SCOPES).join(" "),
      response_type: "code",
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: "S256",
      state: transaction.state,
      nonce: transaction.nonce,
    });
    return { url, transaction };
  }

  /** Redeems the code the provider sent back to `callbackUrl` and returns who signed in. */
  async complete(callbackUrl: URL, transaction: LoginTransaction): Promise<SignInResult> {
    const error = callbackUrl.searchParams.get("error");
    if (error) {
      const description = callbackUrl.searchParams.get("error_description") ?? "";
      const message = error === "access_denied" ? "The sign-in was cancelled at the identity provider." : `The identity provider refused the sign-in: ${error}${description ? ` (${description})` : ""}.`;
      throw new SignInError(message, `authorization error ${error}: ${description}`);
    }
    const config = await this.configuration();
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: transaction.verifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
    } catch (cause) {
      throw new SignInError("The sign-in could not be completed: the identity provider's answer did not check out. Please sign in again.", `code exchange failed: ${messageOf(cause)}`);
    }
    if (!idToken) throw new SignInError("The identity provider sent no id token.", "no id_token in the token response");
    const verified = await this.identity.verify(idToken);
    if (!verified.ok) {
      throw new SignInError(
        "The gateway does not accept this identity provider's tokens for the console.",
        `id token refused (${verified.code}): ${verified.detail}; the issuer ${this.client.issuer} must be a trusted issuer whose audience includes ${this.client.clientId}`,
      );
    }
    return { identity: verified.identity, tokenId: verified.tokenId };
  }

  /** Discovery, done on first use and again after a failure (the provider may start after the gateway). */
  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= discover(this.client).catch((cause: unknown) => {
      this.discovered = undefined;
      throw new SignInError("The identity provider cannot be reached right now. Try again in a moment.", `discovery of ${this.client.issuer} failed: ${messageOf(cause)}`);
    });
    return this.discovered;
  }
}

function discover(client: ConsoleClient): Promise<oidc.Configuration> {
  const issuer = new URL(client.issuer);
  // Plain http only for a provider on this machine (the demo and tests); anything else must be https.
  const loopback = issuer.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(issuer.hostname);
  const auth = client.clientSecret ? oidc.ClientSecretBasic(client.clientSecret) : oidc.None();
  return oidc.discovery(issuer, client.clientId, client.clientSecret, auth, loopback ? { execute: [oidc.allowInsecureRequests] } : undefined);
}
