import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Identity } from "../../engine/policy/types.js";
import type { LoginTransaction } from "./sign-in.js";
import { readCookies, setCookie, type CookieSigner } from "./signed-cookie.js";

export const SESSION_COOKIE = "portcullis_console";
export const LOGIN_COOKIE = "portcullis_console_login";
/** How long a person has to finish signing in at the provider. */
const LOGIN_TTL_SECONDS = 600;
/** The claims kept in the session: enough to show who is signed in; the rest stays with the provider. */
const KEPT_CLAIMS = ["email", "name", "preferred_username"];

export interface SignedIn {
  identity: Identity;
  csrf: string;
}

/**
 * The console's two cookies, both signed (signed-cookie.ts), HttpOnly and SameSite=Lax:
 * - the session (`Path=/console/`): who signed in, their groups as the issuer stated them at sign-in,
 *   a CSRF token for the session's forms, and an expiry;
 * - the sign-in transaction (`Path=/console/callback`): state, nonce and PKCE verifier while the person
 *   is at the provider, cleared when they come back.
 */
export class ConsoleSessions {
  private readonly signer: CookieSigner;
  private readonly secure: boolean;
  private readonly ttlSeconds: number;

  constructor(signer: CookieSigner, options: { secure: boolean; ttlSeconds: number }) {
    this.signer = signer;
    this.secure = options.secure;
    this.ttlSeconds = options.ttlSeconds;
  }

  /** A Set-Cookie header for a new session of `identity`. */
  start(identity: Identity): string {
    const claims = Object.fromEntries(KEPT_CLAIMS.filter((k) => identity.claims[k] !== undefined).map((k) => [k, identity.claims[k]]));
    const value = {
      sub: identity.subject,
      iss: identity.issuer,
      groups: identity.groups,
      kind: identity.kind,
      claims,
      csrf: randomBytes(24).toString("base64url"),
      exp: Math.floor(Date.now() / 1000) + this.ttlSeconds,
    };
    return setCookie(SESSION_COOKIE, this.signer.sign(SESSION_COOKIE, value), { path: "/console/", maxAge: this.ttlSeconds, secure: this.secure });
  }

  read(req: IncomingMessage): SignedIn | undefined {
    const value = this.signer.verify(SESSION_COOKIE, readCookies(req).get(SESSION_COOKIE));
    if (!value) return undefined;
    const { sub, iss, groups, kind, claims, csrf } = value;
    if (typeof sub !== "string" || typeof iss !== "string" || typeof csrf !== "string") return undefined;
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === "string")) return undefined;
    if (kind !== "human" && kind !== "service") return undefined;
    const identity: Identity = { subject: sub, issuer: iss, groups, kind, claims: typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : {} };
    return { identity, csrf };
  }

  end(): string {
    return setCookie(SESSION_COOKIE, "", { path: "/console/", maxAge: 0, secure: this.secure });
  }

  startLogin(transaction: LoginTransaction): string {
    const value = { ...transaction, exp: Math.floor(Date.now() / 1000) + LOGIN_TTL_SECONDS };
    return setCookie(LOGIN_COOKIE, this.signer.sign(LOGIN_COOKIE, value), { path: "/console/callback", maxAge: LOGIN_TTL_SECONDS, secure: this.secure });
  }

  readLogin(req: IncomingMessage): LoginTransaction | undefined {
    const value = this.signer.verify(LOGIN_COOKIE, readCookies(req).get(LOGIN_COOKIE));
    if (!value) return undefined;
    const { state, nonce, verifier, next } = value;
    if (typeof state !== "string" || typeof nonce !== "string" || typeof verifier !== "string" || typeof next !== "string") return undefined;
    return { state, nonce, verifier, next };
  }

  endLogin(): string {
    return setCookie(LOGIN_COOKIE, "", { path: "/console/callback", maxAge: 0, secure: this.secure });
  }
}

/** Compares a form's CSRF token with the session's in constant time. */
export function csrfMatches(session: SignedIn, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
