import { messageOf } from "../errors.js";

/**
 * What an issuer said when asked again about a token: it stands (`active`), it does not (`inactive`:
 * the account was removed or disabled, the token or its grant revoked), or the issuer does not answer
 * for tokens of this kind (`unsupported`, e.g. oidc-provider refuses to introspect any JWT). A request
 * that fails (unreachable, a timeout, an error status) is no answer: the asker throws.
 */
export type IssuerAnswer = "active" | "inactive" | "unsupported";

/** One token of an open session's chain that its issuer is asked about again, and how often. */
export interface IssuerCheck {
  /** The token's text exactly as presented: what the issuer is asked about. */
  token: string;
  /** The issuer URL (`iss`). */
  issuer: string;
  /** Whose token it is (the subject, or the agent for a token of an agent in a chain): named in the reason. */
  subject: string;
  /** Epoch seconds; a verdict about the token is kept no longer. */
  expiresAt: number;
  everyMs: number;
  maxUnansweredMs: number;
}

/** Bounds each remembered map (gone tokens, gateway tokens' sources): the oldest entry goes first. */
const MAX_GONE = 10_000;

interface Watched {
  check: IssuerCheck;
  /** Sessions holding it; the token is asked about while this is above 0. */
  holders: number;
  /** When the issuer last answered (or the token was verified): the unreachable bound runs from here. */
  answeredAt: number;
  lastError: string | undefined;
  asking: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The latest word of each issuer about the tokens open sessions were opened with (and the tokens of
 * their chains). Asking is asynchronous and happens on a timer per token, never from a session's
 * check: LiveSessions' tick is synchronous and must not wait for an issuer, so it only reads the
 * verdict kept here. Sessions sharing a token share its verdict and its one request per interval.
 *
 * Fail-closed bound: an issuer that cannot be asked has not said the account is gone (an IdP deploy or
 * a network blip must not end every session at once), so failures alone do not end a session at first.
 * But a removed account's sessions must not live on for as long as the issuer stays unreachable, so a
 * token whose issuer has not answered for `maxUnansweredMs` no longer stands either, with a reason
 * saying the issuer could not be reached. Time, not a count of failures: a request can take up to its
 * timeout, so a count would stretch the bound with the timeout; the answered-at time does not.
 */
export class IssuerVerdicts {
  private readonly watched = new Map<string, Watched>();
  /** Tokens an issuer called inactive, until they expire: new logins with them are refused too. */
  private readonly gone = new Map<string, { reason: string; until: number }>();
  /**
   * The issuer-checked tokens a gateway token rests on, by its jti: a gateway token is re-checked through
   * the IdP tokens it was exchanged from (the subject's, each agent's). Kept in this instance's memory
   * only (the token texts are secrets and never leave it), so a gateway token exchanged on another
   * instance is re-checked by expiry and revocation alone.
   */
  private readonly inheritedBy = new Map<string, { checks: IssuerCheck[]; until: number }>();
  /** Issuers already reported as unable to introspect some token: said once, not for every login. */
  private readonly reportedUnsupported = new Set<string>();
  private readonly ask: (issuer: string, token: string) => Promise<IssuerAnswer>;
  private readonly log: (line: string) => void;
  private readonly now: () => number;

  constructor(ask: (issuer: string, token: string) => Promise<IssuerAnswer>, options: { log: (line: string) => void; now?: () => number }) {
    this.ask = ask;
    this.log = options.log;
    this.now = options.now ?? Date.now;
  }

  /** Keeps asking about `checks` until the returned function is called (when the session closes). */
  hold(checks: readonly IssuerCheck[]): () => void {
    const held = checks.map((check) => this.holdOne(check));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const entry of held) this.release(entry);
    };
  }

  /** Why a held chain no longer stands by its issuers' word (or silence past the bound), or null. Synchronous: reads verdicts only. */
  reason(checks: readonly IssuerCheck[]): string | null {
    const now = this.now();
    for (const check of checks) {
      const gone = this.goneReason(check.token, now);
      if (gone) return gone;
      const entry = this.watched.get(check.token);
      if (!entry) continue;
      const silentMs = now - entry.answeredAt;
      if (silentMs > check.maxUnansweredMs) {
        return `the issuer ${check.issuer} could not be reached to re-check ${check.subject}'s token for ${Math.round(silentMs / 1000)} s (${entry.lastError ?? "no answer"})`;
      }
    }
    return null;
  }

  /** Why a new login with `token` is refused because its issuer called it inactive, or null. */
  goneReason(token: string, now = this.now()): string | null {
    const gone = this.gone.get(token);
    if (!gone) return null;
    if (now >= gone.until) {
      this.gone.delete(token);
      return null;
    }
    return gone.reason;
  }

  /** Remembers that the gateway token `jti` rests on `checks`, until it expires (`expiresAt`, epoch seconds). */
  inherit(jti: string, checks: readonly IssuerCheck[], expiresAt: number): void {
    if (checks.length === 0) return;
    if (this.inheritedBy.size >= MAX_GONE) this.inheritedBy.delete(this.inheritedBy.keys().next().value!);
    this.inheritedBy.set(jti, { checks: [...checks], until: expiresAt * 1000 });
  }

  /** The issuer-checked tokens the gateway token `jti` was exchanged from here (none if elsewhere or unknown). */
  inherited(jti: string | undefined): IssuerCheck[] {
    if (jti === undefined) return [];
    const found = this.inheritedBy.get(jti);
    if (!found) return [];
    if (this.now() >= found.until) {
      this.inheritedBy.delete(jti);
      return [];
    }
    return found.checks;
  }

  close(): void {
    for (const entry of this.watched.values()) clearInterval(entry.timer);
    this.watched.clear();
  }

  private holdOne(check: IssuerCheck): Watched {
    const existing = this.watched.get(check.token);
    if (existing) {
      existing.holders++;
      return existing;
    }
    // The token was verified just now (an opaque one by the issuer itself): that counts as its first answer.
    const entry: Watched = { check, holders: 1, answeredAt: this.now(), lastError: undefined, asking: false, timer: undefined };
    entry.timer = setInterval(() => void this.askAbout(entry), check.everyMs);
    entry.timer.unref();
    this.watched.set(check.token, entry);
    return entry;
  }

  private release(entry: Watched): void {
    entry.holders--;
    if (entry.holders > 0) return;
    clearInterval(entry.timer);
    if (this.watched.get(entry.check.token) === entry) this.watched.delete(entry.check.token);
  }

  /** One request at a time per token: a slow issuer is not asked again until it has answered or failed. */
  private async askAbout(entry: Watched): Promise<void> {
    if (entry.asking || entry.timer === undefined) return;
    entry.asking = true;
    const { check } = entry;
    try {
      const answer = await this.ask(check.issuer, check.token);
      entry.answeredAt = this.now();
      entry.lastError = undefined;
      if (answer === "inactive") this.markGone(check);
      if (answer !== "active") this.stopAsking(entry);
      if (answer === "unsupported" && !this.reportedUnsupported.has(check.issuer)) {
        this.reportedUnsupported.add(check.issuer);
        this.log(`identity: ${check.issuer} does not introspect ${check.subject}'s kind of token (unsupported_token_type): sessions on such tokens are checked by expiry and revocation only`);
      }
    } catch (error) {
      entry.lastError = messageOf(error);
    } finally {
      entry.asking = false;
    }
  }

  /** Nothing more to learn: inactive stays inactive; an issuer that cannot introspect this token will not start to. */
  private stopAsking(entry: Watched): void {
    clearInterval(entry.timer);
    entry.timer = undefined;
    // Kept in `watched` (no more timer) so that an unsupported token is not timed out by the unreachable bound.
    entry.answeredAt = Number.POSITIVE_INFINITY;
  }

  private markGone(check: IssuerCheck): void {
    if (this.gone.size >= MAX_GONE) this.gone.delete(this.gone.keys().next().value!);
    this.gone.set(check.token, { reason: `the issuer ${check.issuer} no longer recognises ${check.subject}'s token`, until: check.expiresAt * 1000 });
  }
}
