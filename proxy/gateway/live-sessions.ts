import { messageOf } from "../../engine/errors.js";
import type { Protocol } from "../../engine/policy/types.js";

/** One open session, whatever its protocol: how to tell whether its identity still stands, and how to end it. */
export interface WatchedSession {
  sessionId: string;
  protocol: Protocol;
  subject: string;
  /** Why the identity the session was opened with no longer stands (a token in its chain expired, a revocation), or null. */
  check(): string | null;
  /** Ends the session with its protocol's own message naming `reason`; called at most once. */
  end(reason: string): void;
}

/** Often enough that a revocation read within a poll (≤ 1 s) ends sessions well inside 5 s. */
export const DEFAULT_TICK_MS = 500;

/**
 * Every open session of this gateway instance (PostgreSQL, SSH, Kubernetes streams), watched so that a
 * session ends when its identity does: on every tick each session's identity is checked again (the
 * expiry of each token in its chain; revocations of its subject, its tokens and its agents, made here
 * or read from the instances' shared store) and a session that no longer stands is ended with the
 * reason. Protocol-neutral: a proxy registers a check and an end, and knows nothing of tokens.
 * A check that throws ends the session too (fail closed: an identity that cannot be checked stands no longer).
 */
export class LiveSessions {
  /** A set, not a map by id: one Kubernetes session has a watch for each of its long requests. */
  private readonly sessions = new Set<WatchedSession>();
  private readonly timer: NodeJS.Timeout;
  private readonly log: (line: string) => void;

  constructor(options: { tickMs?: number; log: (line: string) => void }) {
    this.log = options.log;
    this.timer = setInterval(() => this.tick(), options.tickMs ?? DEFAULT_TICK_MS);
    this.timer.unref();
  }

  /** Watches `session` until the returned function is called (when the session closes on its own). */
  watch(session: WatchedSession): () => void {
    const entry = { ...session };
    this.sessions.add(entry);
    return () => {
      this.sessions.delete(entry);
    };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Checks every session once; those whose identity no longer stands are ended (and no longer watched). */
  tick(): void {
    for (const session of [...this.sessions]) {
      let reason: string | null;
      try {
        reason = session.check();
      } catch (error) {
        reason = `the identity could not be checked: ${messageOf(error)}`;
      }
      if (reason === null) continue;
      this.sessions.delete(session);
      this.log(`${session.protocol} session ${session.sessionId} of ${session.subject} ended: ${reason}`);
      try {
        session.end(reason);
      } catch (error) {
        this.log(`ending ${session.protocol} session ${session.sessionId} failed: ${messageOf(error)}`);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.sessions.clear();
  }
}
