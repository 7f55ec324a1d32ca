import pg from "pg";
import { messageOf } from "../errors.js";
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
const SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('portcullis_revocations_schema'))";

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
    const { log, ...config } = options;
    const pool = new pg.Pool({ max: 2, connectionTimeoutMillis: 5_000, ...config });
    // An idle pooled connection that breaks emits here; without a handler it would end the process.
    pool.on("error", (error) => (log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`revocation store: idle connection failed: ${error.message}`));
    const client = await pool.connect().catch(async (error: unknown) => {
      await pool.end().catch(() => undefined);
      throw new Error(`cannot open the revocation store in PostgreSQL: ${messageOf(error)}`, { cause: error });
    });
    try {
      await client.query("BEGIN");
      await client.query(SCHEMA_LOCK);
      await client.query(SCHEMA);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      client.release(true);
      await pool.end().catch(() => undefined);
      throw new Error(`cannot create the revocation table in PostgreSQL: ${messageOf(error)}`, { cause: error });
    }
    client.release();
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
