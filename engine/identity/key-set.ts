import { createLocalJWKSet, errors, type JWTVerifyGetKey } from "jose";
import { messageOf } from "../errors.js";
import { isLoopback } from "./loopback.js";

/** The issuer's keys cannot be had right now; verification fails closed with `issuer_unavailable`. */
export class KeySetUnavailable extends Error {
  override name = "KeySetUnavailable";
}

export interface RemoteKeySetOptions {
  /** At most one fetch per this many milliseconds, whether the last one worked or not. */
  cooldownMs: number;
  /** Keys older than this are fetched again before use (a failure keeps the old ones). */
  maxAgeMs: number;
  timeoutMs: number;
}

/** A key set is a few kilobytes; a larger answer is refused before it is buffered whole. */
const MAX_JWKS_BYTES = 512 * 1024;

/**
 * An issuer's published keys (its jwks_uri), fetched on first use and cached. A token whose `kid` is
 * not in the cache makes the set fetch again, as an issuer that rotated its key needs, but at most once
 * per cooldown however many such tokens arrive, and a failed fetch counts as one: a flood of tokens with
 * made-up key ids costs the issuer one request per cooldown. Concurrent refreshes share one request.
 */
export class RemoteKeySet {
  readonly url: URL;
  private readonly options: RemoteKeySetOptions;
  private local: JWTVerifyGetKey | undefined;
  private loadedAt = 0;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private lastError = "";
  private pending: Promise<void> | undefined;

  constructor(url: URL, options: RemoteKeySetOptions) {
    if (url.protocol !== "https:" && !isLoopback(url.href)) throw new KeySetUnavailable(`refusing to fetch keys over plain http from ${url.href}`);
    this.url = url;
    this.options = options;
  }

  /** For jose's jwtVerify: the key the token's header names. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.local) await this.refresh();
    else if (Date.now() - this.loadedAt > this.options.maxAgeMs && !this.coolingDown()) await this.refresh().catch(() => undefined);
    try {
      return await this.local!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A refresh already under way (another token with the same new kid) is waited for, not repeated.
      if (this.pending) await this.pending;
      else if (this.coolingDown()) throw error;
      else await this.refresh();
      return this.local!(header, token);
    }
  };

  private coolingDown(): boolean {
    return Date.now() - this.attemptedAt < this.options.cooldownMs;
  }

  private refresh(): Promise<void> {
    if (this.pending) return this.pending;
    if (this.coolingDown()) {
      // Only reached without any keys: the last attempt failed and the cooldown has not passed.
      return Promise.reject(new KeySetUnavailable(`keys at ${this.url.href} unavailable (${this.lastError}); not asking again yet`));
    }
    this.attemptedAt = Date.now();
    this.pending = this.fetchKeys()
      .then((jwks) => {
        this.local = createLocalJWKSet(jwks);
        this.loadedAt = Date.now();
      })
      .catch((error: unknown) => {
        this.lastError = messageOf(error);
        throw new KeySetUnavailable(`cannot fetch keys from ${this.url.href}: ${this.lastError}`);
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private async fetchKeys(): Promise<{ keys: Array<Record<string, unknown>> }> {
    const response = await fetch(this.url, {
      headers: { accept: "application/jwk-set+json, application/json" },
      signal: AbortSignal.timeout(this.options.timeoutMs),
      redirect: "error",
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    const parsed: unknown = JSON.parse(await readLimited(response, MAX_JWKS_BYTES));
    const keys = typeof parsed === "object" && parsed !== null ? (parsed as { keys?: unknown }).keys : undefined;
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === "object" && k !== null)) throw new Error("the answer is not a JSON Web Key Set");
    return { keys: keys as Array<Record<string, unknown>> };
  }
}

async function readLimited(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`key set larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
