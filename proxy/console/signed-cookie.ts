import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * Cookies whose value is JSON signed with HMAC-SHA256: `base64url(json).base64url(mac)`. The MAC covers
 * the cookie's name too, so a value signed for one cookie can never be replayed as another. The console
 * signs only its short-lived sign-in transaction this way; sessions live on the gateway (console-session.ts). Every value carries `exp` (epoch seconds) and is refused once past it,
 * whatever the browser does with the cookie's own expiry.
 */
export class CookieSigner {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error("the console's cookie key must be at least 32 bytes");
    this.key = key;
  }

  sign(name: string, value: { exp: number; [key: string]: unknown }): string {
    const payload = Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
    return `${payload}.${this.mac(name, payload)}`;
  }

  /** The value, or undefined when the cookie is missing, forged, altered, malformed or expired. */
  verify(name: string, cookie: string | undefined, now: number = Date.now()): Record<string, unknown> | undefined {
    if (!cookie) return undefined;
    const dot = cookie.indexOf(".");
    if (dot <= 0) return undefined;
    const payload = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.mac(name, payload), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const record = value as Record<string, unknown>;
    if (typeof record.exp !== "number" || record.exp * 1000 <= now) return undefined;
    return record;
  }

  private mac(name: string, payload: string): string {
    return createHmac("sha256", this.key).update(`portcullis-console:${name}:${payload}`).digest("base64url");
  }
}

/** The request's cookies by name (the first of a repeated name wins, as browsers send the most specific path first). */
export function readCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  secure: boolean;
  /** Strict for the session (never sent on a request another site starts); Lax for the sign-in transaction, which the provider's redirect back must carry. */
  sameSite: "Strict" | "Lax";
}

/** A Set-Cookie line for the console: always HttpOnly, so no script reads it. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return [`${name}=${value}`, `Path=${options.path}`, `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`, "HttpOnly", `SameSite=${options.sameSite}`, ...(options.secure ? ["Secure"] : [])].join("; ");
}
