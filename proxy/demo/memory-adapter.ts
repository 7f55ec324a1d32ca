import type { Adapter, AdapterPayload } from "oidc-provider";

/**
 * Entries outlive their expiry by this much, as in oidc-provider's own adapter: the models check
 * `exp` themselves, and an expired device code must still be found to be reported as expired.
 */
const GRACE_SECONDS = 60;
/** Expired entries are swept when the store grows past this (the demo never gets near it). */
const SWEEP_AT = 5_000;

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; Infinity when the model has no expiry. */
  expiresAt: number;
}

/**
 * Storage for one demo identity provider, in memory. oidc-provider's built-in memory adapter would
 * print a production warning on every start; this one is the same idea, scoped to one harness so
 * two providers in one test process never share sessions, and kept across a key rotation (which
 * replaces the Provider object but not its state).
 */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  /** Secondary indexes: user code → device code id, session uid → session id, grant id → member keys. */
  private readonly userCodes = new Map<string, string>();
  private readonly sessionUids = new Map<string, string>();
  private readonly grants = new Map<string, Set<string>>();

  /** The factory oidc-provider calls once per model name. */
  readonly adapter = (model: string): Adapter => {
    const key = (id: string): string => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        const expiresAt = typeof expiresIn === "number" ? Date.now() + (expiresIn + GRACE_SECONDS) * 1000 : Infinity;
        if (this.entries.size > SWEEP_AT) this.sweep();
        this.entries.set(key(id), { payload, expiresAt });
        if (model === "Session" && typeof payload.uid === "string") this.sessionUids.set(payload.uid, id);
        if (typeof payload.userCode === "string") this.userCodes.set(payload.userCode, id);
        if (typeof payload.grantId === "string") {
          const members = this.grants.get(payload.grantId) ?? new Set<string>();
          members.add(key(id));
          this.grants.set(payload.grantId, members);
        }
      },
      find: async (id) => this.get(key(id)),
      findByUserCode: async (userCode) => {
        const id = this.userCodes.get(userCode);
        return id === undefined ? undefined : this.get(key(id));
      },
      findByUid: async (uid) => {
        const id = this.sessionUids.get(uid);
        return id === undefined ? undefined : this.get(key(id));
      },
      consume: async (id) => {
        const entry = this.get(key(id));
        if (entry) entry.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        for (const member of this.grants.get(grantId) ?? []) this.entries.delete(member);
        this.grants.delete(grantId);
      },
    };
  };

  /**
   * Forgets everything `accountId` was granted, as an identity provider does when an account is
   * deleted: its grants with every token issued under them (access and refresh tokens; introspection
   * then answers `active: false`) and its sign-in sessions.
   */
  removeAccount(accountId: string): void {
    for (const [key, entry] of [...this.entries]) {
      if (entry.payload.accountId !== accountId) continue;
      if (key.startsWith("Grant:")) {
        const grantId = key.slice("Grant:".length);
        for (const member of this.grants.get(grantId) ?? []) this.entries.delete(member);
        this.grants.delete(grantId);
      }
      if (key.startsWith("Grant:") || key.startsWith("Session:")) this.entries.delete(key);
    }
  }

  private get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.userCodes.clear();
    this.sessionUids.clear();
    this.grants.clear();
  }
}
