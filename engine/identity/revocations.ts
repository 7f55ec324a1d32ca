import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Matches every issuer in a subject revocation. */
const ANY_ISSUER = "*";

interface RevocationState {
  /** `issuer subject` (issuer `*` for any) → epoch seconds: that subject's tokens issued at or before then are revoked. */
  subjects: Record<string, number>;
  /** token id (jti) → epoch seconds the revocation may be forgotten (the token's own expiry). */
  tokens: Record<string, number>;
}

/** How long a token id is remembered when its expiry is not given: longer than any token Portcullis accepts lives. */
const DEFAULT_TOKEN_MEMORY_SECONDS = 400 * 24 * 3600;

/**
 * Revoked subjects and token ids, checked on every verification so a revocation takes effect at once.
 * Revoking a subject ends every token it holds now (issued at or before that second); a later sign-in
 * works again, so banning someone is the identity provider's job. Persisted (write to a temporary file,
 * then rename) when a file is given, so a restart forgets nothing.
 */
export class Revocations {
  private state: RevocationState = { subjects: {}, tokens: {} };
  private readonly file: string | undefined;

  constructor(file?: string) {
    this.file = file;
    if (file) {
      try {
        const loaded = JSON.parse(readFileSync(file, "utf8")) as Partial<RevocationState>;
        this.state = { subjects: loaded.subjects ?? {}, tokens: loaded.tokens ?? {} };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
  }

  /** Revokes the subject's current tokens from `issuer` (every issuer when absent). */
  revokeSubject(subject: string, options: { issuer?: string; at?: number } = {}): void {
    this.state.subjects[subjectKey(options.issuer ?? ANY_ISSUER, subject)] = options.at ?? Math.floor(Date.now() / 1000);
    this.save();
  }

  /** Revokes one token by its `jti`; `expiresAt` (epoch seconds) says when the entry may be dropped. */
  revokeToken(jti: string, expiresAt?: number): void {
    this.state.tokens[jti] = expiresAt ?? Math.floor(Date.now() / 1000) + DEFAULT_TOKEN_MEMORY_SECONDS;
    this.save();
  }

  /** Why the token with this id is revoked, or null. */
  checkTokenId(jti: string): string | null {
    return this.state.tokens[jti] !== undefined ? `token ${jti} is revoked` : null;
  }

  /** Why a token is revoked, or null. `issuedAt` is the token's iat (epoch seconds); a token without one is revoked with its subject. */
  check(identity: { subject: string; issuer: string }, jti: string | undefined, issuedAt: number | undefined): string | null {
    const byId = jti === undefined ? null : this.checkTokenId(jti);
    if (byId) return byId;
    for (const issuer of [identity.issuer, ANY_ISSUER]) {
      const since = this.state.subjects[subjectKey(issuer, identity.subject)];
      if (since !== undefined && (issuedAt === undefined || issuedAt <= since)) return `subject ${identity.subject} is revoked (tokens issued until ${new Date(since * 1000).toISOString()})`;
    }
    return null;
  }

  private save(): void {
    const now = Math.floor(Date.now() / 1000);
    for (const [jti, expiry] of Object.entries(this.state.tokens)) if (expiry < now) delete this.state.tokens[jti];
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}

function subjectKey(issuer: string, subject: string): string {
  return `${issuer} ${subject}`;
}
