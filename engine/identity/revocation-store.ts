/**
 * One revocation as instances share it. `subject`: that subject's tokens from `issuer` (`*`: any
 * issuer) issued at or before `at` (epoch seconds) are revoked. `token`: the token with id `jti` is
 * revoked; the entry may be forgotten after `until` (epoch seconds, the token's own expiry).
 */
export type RevocationEntry = { kind: "subject"; subject: string; issuer: string; at: number } | { kind: "token"; jti: string; until: number };

/**
 * Where gateway instances share revocations (PostgreSQL): each instance writes the revocations made
 * on it and reads everyone's every poll, so a revocation made anywhere holds everywhere within a poll.
 */
export interface SharedRevocationStore {
  /** Resolves once the entry is durably stored. */
  append(entry: RevocationEntry): Promise<void>;
  /** Every entry still in force. */
  all(): Promise<RevocationEntry[]>;
  close(): Promise<void>;
}
