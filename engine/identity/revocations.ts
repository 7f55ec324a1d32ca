import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { messageOf } from "../errors.js";
import type { RevocationEntry, SharedRevocationStore } from "./revocation-store.js";

/** Matches every issuer in a subject revocation. */
export const ANY_ISSUER = "*";

interface RevocationState {
  /** `issuer subject` (issuer `*` for any) → epoch seconds: that subject's tokens issued at or before then are revoked. */
  subjects: Record<string, number>;
  /** token id (jti) → epoch seconds the revocation may be forgotten (the token's own expiry). */
  tokens: Record<string, number>;
}

/** How long a token id is remembered when its expiry is not given: longer than any token Portcullis accepts lives. */
const DEFAULT_TOKEN_MEMORY_SECONDS = 400 * 24 * 3600;

export interface ShareOptions {
  /** How often the shared list is read (milliseconds). */
  pollMs: number;
  log: (line: string) => void;
}

/**
 * Revoked subjects and token ids, checked on every verification so a revocation takes effect at once.
 * Revoking a subject ends every token it holds now (issued at or before that second); a later sign-in
 * works again, so banning someone is the identity provider's job. Persisted (write to a temporary file,
 * then rename) when a file is given, so a restart forgets nothing. With a shared store (several gateway
 * instances) each revocation is also written there, and everyone's are read every poll.
 */
export class Revocations {
  private state: RevocationState = { subjects: {}, tokens: {} };
  private readonly file: string | undefined;
  private shared: SharedRevocationStore | undefined;
  private poller: NodeJS.Timeout | undefined;
  /** When the shared list was last read in full (ms), and how stale it may get before it counts as unknown. */
  private syncedAt = 0;
  private staleAfterMs = 0;
  private lastFailure = "";

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

  /**
   * Shares revocations through `store`: reads it now (throws when it cannot) and then every poll. A
   * list that could not be read for five polls (at least 5 s) is unknown: `unknownReason` then says so
   * and new verifications are refused (fail closed) until it is read again.
   */
  async share(store: SharedRevocationStore, options: ShareOptions): Promise<void> {
    this.shared = store;
    this.staleAfterMs = Math.max(5_000, options.pollMs * 5);
    await this.sync();
    this.poller = setInterval(() => {
      this.sync().catch((error: unknown) => {
        this.lastFailure = messageOf(error);
        options.log(`revocations: cannot read the shared list: ${this.lastFailure}`);
      });
    }, options.pollMs);
    this.poller.unref();
  }

  /** Why revocations cannot be known now (the shared list has not been read lately), or null. */
  unknownReason(now = Date.now()): string | null {
    if (!this.shared || now - this.syncedAt <= this.staleAfterMs) return null;
    return `the shared revocation list has not been read since ${new Date(this.syncedAt).toISOString()}${this.lastFailure ? ` (${this.lastFailure})` : ""}`;
  }

  /** Revokes the subject's current tokens from `issuer` (every issuer when absent); resolves once shared. */
  revokeSubject(subject: string, options: { issuer?: string; at?: number } = {}): Promise<void> {
    return this.record({ kind: "subject", subject, issuer: options.issuer ?? ANY_ISSUER, at: options.at ?? Math.floor(Date.now() / 1000) });
  }

  /** Revokes one token by its `jti`; `expiresAt` (epoch seconds) says when the entry may be dropped. Resolves once shared. */
  revokeToken(jti: string, expiresAt?: number): Promise<void> {
    return this.record({ kind: "token", jti, until: expiresAt ?? Math.floor(Date.now() / 1000) + DEFAULT_TOKEN_MEMORY_SECONDS });
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

  close(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  /** Takes effect here at once; the promise settles once the shared store (if any) has it too. */
  private async record(entry: RevocationEntry): Promise<void> {
    this.apply(entry);
    this.save();
    if (this.shared) await this.shared.append(entry);
  }

  private apply(entry: RevocationEntry): void {
    if (entry.kind === "token") {
      this.state.tokens[entry.jti] = Math.max(this.state.tokens[entry.jti] ?? 0, entry.until);
      return;
    }
    const key = subjectKey(entry.issuer, entry.subject);
    this.state.subjects[key] = Math.max(this.state.subjects[key] ?? 0, entry.at);
  }

  private async sync(): Promise<void> {
    if (!this.shared) return;
    const entries = await this.shared.all();
    for (const entry of entries) this.apply(entry);
    this.syncedAt = Date.now();
    this.lastFailure = "";
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
