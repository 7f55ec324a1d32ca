import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Identity } from "../../engine/policy/types.js";
import type { LoginTransaction, SignInResult } from "./sign-in-types.js";

export type { SignInResult } from "./sign-in-types.js";
import { readCookies, setCookie, type CookieSigner } from "./signed-cookie.js";

/** The session cookie's name over plain HTTP (loopback development); over TLS it is `__Host-` + this. */
export const SESSION_COOKIE = "portcullis_console";
export const LOGIN_COOKIE = "portcullis_console_login";
/** How long a person has to finish signing in at the provider. */
const LOGIN_TTL_SECONDS = 600;
/** The claims kept in the session: enough to show who is signed in; the rest stays with the provider. */
const KEPT_CLAIMS = ["email", "name", "preferred_username"];
/** 256 bits: a session id cannot be guessed, only stolen. */
const SESSION_ID_BYTES = 32;
/** A person signing in again and again keeps at most this many sessions; the oldest ends first. */
const MAX_SESSIONS_PER_SUBJECT = 20;

export interface SignedIn {
  identity: Identity;
  csrf: string;
}


export interface ConsoleSessionOptions {
  /** Served over TLS: `__Host-` cookie names, `Secure`, `Path=/`. */
  secure: boolean;
  /** A session ends this long after sign-in, however busy. */
  absoluteSeconds: number;
  /** A session ends after this long without a request. */
  idleSeconds: number;
  /**
   * Why the sessions of `identity` begun at `startedAt` (epoch seconds) no longer hold, or null: the
   * gateway's revocations, checked on every request so revoking a person signs them out at once.
   */
  revoked: (identity: Identity, tokenId: string | undefined, startedAt: number) => string | null;
  now?: () => number;
}

interface Session {
  identity: Identity;
  tokenId: string | undefined;
  csrf: string;
  /** Epoch milliseconds. */
  startedAt: number;
  lastSeen: number;
  expiresAt: number;
}

/**
 * Console sessions kept in the gateway's memory. The session cookie holds only a random id; the
 * gateway keeps who signed in, their CSRF token and the expiries, keyed by the id's SHA-256 (so the
 * table holds nothing a cookie can be made from). Signing out deletes the session: the old cookie,
 * wherever it was copied to, then opens nothing. A session also ends at its absolute expiry, after
 * `idleSeconds` without a request, and when the person's identity (or their id token) is revoked.
 * A gateway restart ends every session.
 *
 * The session cookie is HttpOnly and SameSite=Strict. Over TLS it is `__Host-portcullis_console` with
 * `Secure; Path=/`: a plain-HTTP service on another port of the host never receives it, and no other
 * host can plant one. Over plain HTTP browsers refuse `__Host-` cookies, so it is `portcullis_console`
 * on `Path=/console/`, and every service on that host (any port) receives it.
 *
 * The sign-in transaction (state, nonce, PKCE verifier while the person is at the provider) stays a
 * short-lived signed cookie (signed-cookie.ts), SameSite=Lax because the provider's redirect back is a
 * cross-site navigation; it is cleared when the person comes back.
 */
export class ConsoleSessions {
  private readonly signer: CookieSigner;
  private readonly options: ConsoleSessionOptions;
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;
  readonly sessionCookie: string;
  readonly loginCookie: string;
  private readonly sessionPath: string;
  private readonly loginPath: string;

  constructor(signer: CookieSigner, options: ConsoleSessionOptions) {
    this.signer = signer;
    this.options = options;
    this.now = options.now ?? Date.now;
    const prefix = options.secure ? "__Host-" : "";
    this.sessionCookie = `${prefix}${SESSION_COOKIE}`;
    this.loginCookie = `${prefix}${LOGIN_COOKIE}`;
    // `__Host-` requires Path=/; without it the narrowest paths keep the cookies off other pages.
    this.sessionPath = options.secure ? "/" : "/console/";
    this.loginPath = options.secure ? "/" : "/console/callback";
  }

  /** Starts a session for who signed in; returns its Set-Cookie header. */
  start(signedIn: SignInResult): string {
    this.sweep();
    const { identity } = signedIn;
    const claims = Object.fromEntries(KEPT_CLAIMS.filter((k) => identity.claims[k] !== undefined).map((k) => [k, identity.claims[k]]));
    const now = this.now();
    const id = randomBytes(SESSION_ID_BYTES).toString("base64url");
    this.sessions.set(keyOf(id), {
      identity: { subject: identity.subject, issuer: identity.issuer, groups: [...identity.groups], kind: identity.kind, claims },
      tokenId: signedIn.tokenId,
      csrf: randomBytes(24).toString("base64url"),
      startedAt: now,
      lastSeen: now,
      expiresAt: now + this.options.absoluteSeconds * 1000,
    });
    this.limit(identity);
    return setCookie(this.sessionCookie, id, { path: this.sessionPath, maxAge: this.options.absoluteSeconds, secure: this.options.secure, sameSite: "Strict" });
  }

  /** The request's live session, or undefined; a session found expired or revoked is ended here. */
  read(req: IncomingMessage): SignedIn | undefined {
    const id = readCookies(req).get(this.sessionCookie);
    if (!id || id.length > 128) return undefined;
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (!this.live(session)) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeen = this.now();
    return { identity: session.identity, csrf: session.csrf };
  }

  /** Signs the request's session out (it can never be used again); returns the Set-Cookie that clears it. */
  end(req: IncomingMessage): string {
    const id = readCookies(req).get(this.sessionCookie);
    if (id) this.sessions.delete(keyOf(id));
    return setCookie(this.sessionCookie, "", { path: this.sessionPath, maxAge: 0, secure: this.options.secure, sameSite: "Strict" });
  }

  startLogin(transaction: LoginTransaction): string {
    const value = { ...transaction, exp: Math.floor(this.now() / 1000) + LOGIN_TTL_SECONDS };
    return setCookie(this.loginCookie, this.signer.sign(this.loginCookie, value), { path: this.loginPath, maxAge: LOGIN_TTL_SECONDS, secure: this.options.secure, sameSite: "Lax" });
  }

  readLogin(req: IncomingMessage): LoginTransaction | undefined {
    const value = this.signer.verify(this.loginCookie, readCookies(req).get(this.loginCookie), this.now());
    if (!value) return undefined;
    const { state, nonce, verifier, next } = value;
    if (typeof state !== "string" || typeof nonce !== "string" || typeof verifier !== "string" || typeof next !== "string") return undefined;
    return { state, nonce, verifier, next };
  }

  endLogin(): string {
    return setCookie(this.loginCookie, "", { path: this.loginPath, maxAge: 0, secure: this.options.secure, sameSite: "Lax" });
  }

  private live(session: Session): boolean {
    const now = this.now();
    if (now >= session.expiresAt || now - session.lastSeen >= this.options.idleSeconds * 1000) return false;
    return this.options.revoked(session.identity, session.tokenId, Math.floor(session.startedAt / 1000)) === null;
  }

  /** Drops expired and revoked sessions, so the table holds only live ones. */
  private sweep(): void {
    for (const [key, session] of this.sessions) if (!this.live(session)) this.sessions.delete(key);
  }

  /** Keeps one person's sessions bounded: the oldest end first (the map keeps insertion order). */
  private limit(identity: Identity): void {
    const mine = [...this.sessions].filter(([, s]) => s.identity.subject === identity.subject && s.identity.issuer === identity.issuer);
    for (const [key] of mine.slice(0, Math.max(0, mine.length - MAX_SESSIONS_PER_SUBJECT))) this.sessions.delete(key);
  }
}

function keyOf(id: string): string {
  return createHash("sha256").update(id).digest("base64url");
}

/** Compares a form's CSRF token with the session's in constant time. */
export function csrfMatches(session: SignedIn, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
