import type pg from "pg";
import { openSharedStore } from "../storage/postgres-pool.js";
import type { RevocationEntry, SharedRevocationStore } from "./revocation-store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS portcullis_revocations (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('subject', 'token')),
  subject    text,
  issuer     text,
  jti        text,
  -- subject: tokens issued at or before this epoch second are revoked; token: forgotten after it.
  at         bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'subject' AND subject IS NOT NULL AND issuer IS NOT NULL) OR (kind = 'token' AND jti IS NOT NULL))
);
`;

interface Row {
  kind: "subject" | "token";
  subject: string | null;
  issuer: string | null;
  jti: string | null;
  at: string;
}

/**
 * Revocations in PostgreSQL (table portcullis_revocations), shared by every gateway instance using the
 * database. The whole list is read on each poll rather than "rows after the last id": a bigserial id is
 * taken before its transaction commits, so a row with a smaller id can appear after a larger one, and
 * a cursor would skip it. Revocations are few (token entries are dropped once their token expired), so
 * reading them all stays cheap.
 */
export class PostgresRevocationStore implements SharedRevocationStore {
  private readonly pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  static async open(options: pg.PoolConfig & { log?: (line: string) => void }): Promise<PostgresRevocationStore> {
    const pool = await openSharedStore("revocation store", options, SCHEMA, "portcullis_revocations_schema");
    return new PostgresRevocationStore(pool);
  }

  async append(entry: RevocationEntry): Promise<void> {
    if (entry.kind === "subject") {
      await this.pool.query("INSERT INTO portcullis_revocations (kind, subject, issuer, at) VALUES ('subject', $1, $2, $3)", [entry.subject, entry.issuer, entry.at]);
    } else {
      await this.pool.query("INSERT INTO portcullis_revocations (kind, jti, at) VALUES ('token', $1, $2)", [entry.jti, entry.until]);
    }
  }

  async all(): Promise<RevocationEntry[]> {
    const now = Math.floor(Date.now() / 1000);
    // Token entries whose token has expired protect nothing any more.
    await this.pool.query("DELETE FROM portcullis_revocations WHERE kind = 'token' AND at < $1", [now]);
    const { rows } = await this.pool.query<Row>("SELECT kind, subject, issuer, jti, at::text AS at FROM portcullis_revocations ORDER BY id");
    return rows.map((row): RevocationEntry => (row.kind === "subject" ? { kind: "subject", subject: row.subject!, issuer: row.issuer!, at: Number(row.at) } : { kind: "token", jti: row.jti!, until: Number(row.at) }));
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
