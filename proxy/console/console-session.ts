import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Identity } from "../../engine/policy/types.js";
import type { LoginTransaction } from "./sign-in.js";
import { readCookies, setCookie, type CookieSigner } from "./signed-cookie.js";

/** The cookies' names over plain HTTP (a loopback console); over TLS they carry the `__Host-` prefix. */
export const SESSION_COOKIE = "portcullis_console";
export const LOGIN_COOKIE = "portcullis_console_login";
/** How long a person has to finish signing in at the provider. */
const LOGIN_TTL_SECONDS = 600;
/** The claims kept in the session: enough to show who is signed in; the rest stays with the provider. */
const KEPT_CLAIMS = ["email", "name", "preferred_username"];
/** Sessions kept at most; past it the least recently used end (a flood of sign-ins cannot grow memory). */
const MAX_SESSIONS = 10_000;

export interface SignedIn {
  identity: Identity;
  csrf: string;
}

interface LiveSession extends SignedIn {
  /** Epoch ms. */
  signedInAt: number;
  expiresAt: number;
  lastSeen: number;
}

export interface ConsoleSessionOptions {
  /** The console is served over TLS: cookies are `Secure` and `__Host-` prefixed (bound to this host and port's origin). */
  secure: boolean;
  /** A session ends this long after sign-in. */
  ttlSeconds: number;
  /** A session ends after this long without a request. */
  idleSeconds: number;
  /** Why the identity may no longer act (revoked subject), or null: a revoked person's sessions end. */
  revoked: (identity: Identity, signedInAtSeconds: number) => string | null;
}

/**
 * Console sessions live on the server. The cookie only names one (a random 256-bit id, signed), so
 * signing out, revoking the person, or the session's expiry ends it for every copy of the cookie: a
 * page on another port of the same host that received the cookie (browsers do not separate cookies by
 * port) holds nothing once the session is over. Over TLS the cookies are `__Host-` prefixed and Secure,
 * which binds them to the console's exact origin; over plain HTTP (loopback) nothing can, so the
 * console must not share a host with untrusted services there (README).
 *
 * Two cookies, both HttpOnly and SameSite=Lax: the session, and the sign-in transaction (state, nonce,
 * PKCE verifier while the person is at the provider, cleared when they come back).
 */
export class ConsoleSessions {
  private readonly signer: CookieSigner;
  private readonly options: ConsoleSessionOptions;
  private readonly live = new Map<string, LiveSession>();

  constructor(signer: CookieSigner, options: ConsoleSessionOptions) {
    this.signer = signer;
    this.options = options;
  }

  private get sessionCookie(): string {
    return this.options.secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
  }

  private get loginCookie(): string {
    return this.options.secure ? `__Host-${LOGIN_COOKIE}` : LOGIN_COOKIE;
  }

  /** `__Host-` cookies must have Path=/; a plain cookie is kept to the paths that use it. */
  private path(plain: string): string {
    return this.options.secure ? "/" : plain;
  }

  /** A Set-Cookie header for a new session of `identity`. */
  start(identity: Identity): string {
    this.prune(Date.now());
    const claims = Object.fromEntries(KEPT_CLAIMS.filter((k) => identity.claims[k] !== undefined).map((k) => [k, identity.claims[k]]));
    const id = randomBytes(32).toString("base64url");
    const now = Date.now();
    this.live.set(id, {
      identity: { subject: identity.subject, issuer: identity.issuer, groups: [...identity.groups], kind: identity.kind, claims },
      csrf: randomBytes(24).toString("base64url"),
      signedInAt: now,
      expiresAt: now + this.options.ttlSeconds * 1000,
      lastSeen: now,
    });
    const value = this.signer.sign(this.sessionCookie, { sid: id, exp: Math.floor(now / 1000) + this.options.ttlSeconds });
    return setCookie(this.sessionCookie, value, { path: this.path("/console/"), maxAge: this.options.ttlSeconds, secure: this.options.secure });
  }

  /** The live session the request's cookie names, or undefined (none, forged, ended, expired, idle too long, revoked). */
  read(req: IncomingMessage): SignedIn | undefined {
    const id = this.idOf(req);
    const session = id === undefined ? undefined : this.live.get(id);
    if (id === undefined || !session) return undefined;
    const now = Date.now();
    const over = now >= session.expiresAt || now - session.lastSeen >= this.options.idleSeconds * 1000 || this.options.revoked(session.identity, Math.floor(session.signedInAt / 1000)) !== null;
    if (over) {
      this.live.delete(id);
      return undefined;
    }
    session.lastSeen = now;
    // Most recently used last: pruning ends the least recently used first.
    this.live.delete(id);
    this.live.set(id, session);
    return { identity: session.identity, csrf: session.csrf };
  }

  /** Ends the request's session on the server (every copy of its cookie is then useless) and clears the cookie. */
  end(req: IncomingMessage): string {
    const id = this.idOf(req);
    if (id !== undefined) this.live.delete(id);
    return setCookie(this.sessionCookie, "", { path: this.path("/console/"), maxAge: 0, secure: this.options.secure });
  }

  startLogin(transaction: LoginTransaction): string {
    const value = { ...transaction, exp: Math.floor(Date.now() / 1000) + LOGIN_TTL_SECONDS };
    return setCookie(this.loginCookie, this.signer.sign(this.loginCookie, value), { path: this.path("/console/callback"), maxAge: LOGIN_TTL_SECONDS, secure: this.options.secure });
  }

  readLogin(req: IncomingMessage): LoginTransaction | undefined {
    const value = this.signer.verify(this.loginCookie, readCookies(req).get(this.loginCookie));
    if (!value) return undefined;
    const { state, nonce, verifier, next } = value;
    if (typeof state !== "string" || typeof nonce !== "string" || typeof verifier !== "string" || typeof next !== "string") return undefined;
    return { state, nonce, verifier, next };
  }

  endLogin(): string {
    return setCookie(this.loginCookie, "", { path: this.path("/console/callback"), maxAge: 0, secure: this.options.secure });
  }

  private idOf(req: IncomingMessage): string | undefined {
    const value = this.signer.verify(this.sessionCookie, readCookies(req).get(this.sessionCookie));
    return typeof value?.sid === "string" ? value.sid : undefined;
  }

  private prune(now: number): void {
    for (const [id, session] of this.live) {
      if (now >= session.expiresAt || now - session.lastSeen >= this.options.idleSeconds * 1000) this.live.delete(id);
    }
    for (const id of this.live.keys()) {
      if (this.live.size < MAX_SESSIONS) break;
      this.live.delete(id);
    }
  }
}

/** Compares a form's CSRF token with the session's in constant time. */
export function csrfMatches(session: SignedIn, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
