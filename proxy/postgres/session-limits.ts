/**
 * How many PostgreSQL sessions one identity, and all identities together, may hold open on one
 * target. Without a bound, one person's idle sessions use up the server's max_connections and
 * lock everyone else out.
 */
export interface SessionLimitSettings {
  /** Open sessions one identity (issuer + subject) may hold on one target. */
  perIdentityPerTarget: number;
  /** Open sessions all identities together may hold on one target. */
  perTarget: number;
  /** A session idle (no bytes either way, no statement running) this long is closed; 0 disables. */
  idleTimeoutMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimitSettings = { perIdentityPerTarget: 20, perTarget: 100, idleTimeoutMs: 15 * 60_000 };

/** A granted session slot; `release` is idempotent. */
export type SessionSlot = { ok: true; release: () => void } | { ok: false; limit: "per_identity" | "per_target"; max: number; message: string };

export class SessionLimits {
  private readonly byIdentity = new Map<string, number>();
  private readonly byTarget = new Map<string, number>();

  readonly settings: SessionLimitSettings;

  constructor(settings: SessionLimitSettings = DEFAULT_SESSION_LIMITS) {
    this.settings = settings;
  }

  /**
   * Takes one slot for `identityKey` on `target`, or says which limit refuses it. `policyMax`, the
   * policy's limit for this caller, can only lower the configured per-identity limit.
   */
  acquire(identityKey: string, target: string, policyMax?: number): SessionSlot {
    const identityKeyOnTarget = JSON.stringify([target, identityKey]);
    const mine = this.byIdentity.get(identityKeyOnTarget) ?? 0;
    const all = this.byTarget.get(target) ?? 0;
    const { perTarget } = this.settings;
    const perIdentityPerTarget = policyMax === undefined ? this.settings.perIdentityPerTarget : Math.min(policyMax, this.settings.perIdentityPerTarget);
    if (mine >= perIdentityPerTarget) {
      return { ok: false, limit: "per_identity", max: perIdentityPerTarget, message: `too many connections for this identity on target "${target}": the limit is ${perIdentityPerTarget} sessions per identity` };
    }
    if (all >= perTarget) {
      return { ok: false, limit: "per_target", max: perTarget, message: `too many connections to target "${target}": the limit is ${perTarget} sessions` };
    }
    this.byIdentity.set(identityKeyOnTarget, mine + 1);
    this.byTarget.set(target, all + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        decrement(this.byIdentity, identityKeyOnTarget);
        decrement(this.byTarget, target);
      },
    };
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const next = (map.get(key) ?? 1) - 1;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
