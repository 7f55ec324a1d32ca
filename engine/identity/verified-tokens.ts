/** How long a signature check is trusted before the token is verified again (a signing key withdrawn from an issuer's key set stops working within this). */
export const VERIFIED_TOKEN_SECONDS = 30;
const MAX_ENTRIES = 10_000;

/**
 * Signed tokens already verified, by their exact text: a Kubernetes client presents the same bearer
 * token on every request, and its signature check (an ECDSA or RSA verification, ~0.7 ms here) is the
 * dearest part of authenticating one. Only what a signature proves is kept, for at most
 * VERIFIED_TOKEN_SECONDS and never past the token's expiry; revocation and target scope are checked
 * on every use by the caller. Opaque (introspected) tokens are never kept: the issuer says whether they
 * are live. Bounded: the oldest entry goes first.
 */
export class VerifiedTokens<Verified extends { expiresAt: number }> {
  private readonly entries = new Map<string, { result: Verified; until: number }>();

  get(token: string, nowMs = Date.now()): Verified | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (nowMs >= entry.until) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.result;
  }

  /** Keeps what verifying `token` found; `expiresAt` is epoch seconds. */
  set(token: string, result: Verified, nowMs = Date.now()): void {
    const until = Math.min(nowMs + VERIFIED_TOKEN_SECONDS * 1000, result.expiresAt * 1000);
    if (until <= nowMs) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { result, until });
  }

  /** Forgets `token`: its issuer has since said it no longer stands. */
  delete(token: string): void {
    this.entries.delete(token);
  }

  clear(): void {
    this.entries.clear();
  }
}
