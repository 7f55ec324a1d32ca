import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

interface RevocationState {
  /** subject → epoch seconds: tokens for that subject issued at or before then are revoked. */
  subjects: Record<string, number>;
  /** token id (jti) → epoch seconds the revocation may be forgotten (the token's own expiry). */
  tokens: Record<string, number>;
}

/**
 * Revoked subjects and token ids, checked on every verification so a revocation takes effect at once.
 * Persisted (write to a temporary file, then rename) when a file is given, so a restart forgets nothing.
 */
export class Revocations {
  private state: RevocationState = { subjects: {}, tokens: {} };
  private readonly file: string | undefined;

  constructor(file?: string) {
    this.file = file;
    if (file) {
      try {
        this.state = JSON.parse(readFileSync(file, "utf8")) as RevocationState;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }

  revokeSubject(subject: string, at: number = Math.floor(Date.now() / 1000)): void {
    this.state.subjects[subject] = at;
    this.save();
  }

  revokeToken(jti: string, expiresAt: number): void {
    this.state.tokens[jti] = expiresAt;
    this.save();
  }

  /** Why a token is revoked, or null. `issuedAt` is the token's iat (epoch seconds). */
  check(subject: string, jti: string | undefined, issuedAt: number | undefined): string | null {
    if (jti !== undefined && this.state.tokens[jti] !== undefined) return `token ${jti} is revoked`;
    const since = this.state.subjects[subject];
    if (since !== undefined && (issuedAt === undefined || issuedAt <= since)) return `subject ${subject} is revoked`;
    return null;
  }

  private save(): void {
    const now = Math.floor(Date.now() / 1000);
    for (const [jti, expiry] of Object.entries(this.state.tokens)) if (expiry < now) delete this.state.tokens[jti];
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
