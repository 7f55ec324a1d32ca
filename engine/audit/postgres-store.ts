import pg from "pg";
import { messageOf } from "../errors.js";
import { chainRecords, EMPTY_HEAD, hashRecord, recordShapeProblem } from "./chain.js";
import { AuditError } from "./errors.js";
import type { AuditSource, AuditStore, StoredEntry } from "./store.js";
import type { AuditEvent, AuditRecord, ChainHead } from "./types.js";

export type PostgresAuditStoreOptions = pg.PoolConfig & {
  /** Where trouble on idle pooled connections is reported. */
  log?: (line: string) => void;
};

/**
 * Queries select `seq::text AS seq` (a bigint may exceed a JS number's exact range in general) and so
 * order by `portcullis_audit.seq`: a bare `ORDER BY seq` would sort by that text alias.
 *
 * One column per record field; `event` is the event's JSON text exactly as hashed and written. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS portcullis_audit (
  seq       bigint PRIMARY KEY CHECK (seq > 0),
  time      text NOT NULL,
  prev_hash text NOT NULL,
  hash      text NOT NULL,
  event     text NOT NULL
);
`;

/** Serialises every writer of the table, across all gateway instances sharing the database. */
const APPEND_LOCK = "SELECT pg_advisory_xact_lock(hashtext('portcullis_audit'))";
const SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('portcullis_audit_schema'))";
/** Rows read per round trip when streaming the log for verification and search. */
const PAGE = 1000;

interface Row {
  seq: string;
  time: string;
  prev_hash: string;
  hash: string;
  event: string;
}

/**
 * The shared audit store: the hash chain in PostgreSQL (table portcullis_audit), one row per record, so
 * several gateway instances write one log. A batch is appended in one transaction that first takes a
 * transaction-scoped advisory lock, then reads the head inside it and chains onto that: two instances
 * appending at once are serialised and produce one chain with no gaps or forks. `append` resolves after
 * COMMIT with synchronous_commit on, that is once the WAL is flushed: the record survives a crash.
 * https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 * https://www.postgresql.org/docs/current/wal-async-commit.html
 *
 * The event is kept as its JSON text (not jsonb, which would reorder keys, normalise numbers and refuse
 * \u0000), so a row reads back as exactly the record that was hashed.
 */
export class PostgresAuditStore implements AuditStore {
  /** A transaction commits atomically: there is never a torn record to cut off. */
  readonly repair = undefined;
  private readonly pool: pg.Pool;
  private failure: AuditError | undefined;
  private closed = false;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** Connects and creates the table when it is missing. */
  static async open(options: PostgresAuditStoreOptions): Promise<PostgresAuditStore> {
    const { log, ...config } = options;
    const pool = new pg.Pool({ max: 2, connectionTimeoutMillis: 10_000, ...config });
    const report = log ?? ((line: string) => process.stderr.write(`${line}\n`));
    // An idle pooled connection that breaks emits here; without a handler it would end the process.
    pool.on("error", (error) => report(`audit store: idle connection failed: ${error.message}`));
    const store = new PostgresAuditStore(pool);
    try {
      await store.transaction(async (client) => {
        await client.query(SCHEMA_LOCK);
        await client.query(SCHEMA);
      });
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new AuditError("AUDIT_LOG_FAILED", `cannot open the audit log in PostgreSQL: ${messageOf(error)}`, { cause: error });
    }
    return store;
  }

  async head(): Promise<ChainHead> {
    this.usable();
    try {
      return await headIn(this.pool);
    } catch (error) {
      throw wrap(error, "reading the head of");
    }
  }

  async append(entries: ReadonlyArray<{ time: string; event: AuditEvent }>): Promise<AuditRecord[]> {
    this.usable();
    if (entries.length === 0) return [];
    try {
      return await this.transaction(async (client) => {
        // Durable on commit even where the server's default says otherwise.
        await client.query("SET LOCAL synchronous_commit = on");
        await client.query(APPEND_LOCK);
        const records = chainRecords(await headIn(client), entries);
        await client.query(
          `INSERT INTO portcullis_audit (seq, time, prev_hash, hash, event)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])`,
          [records.map((r) => r.seq), records.map((r) => r.time), records.map((r) => r.prev_hash), records.map((r) => r.hash), records.map((r) => JSON.stringify(r.event))],
        );
        return records;
      });
    } catch (error) {
      // A corrupt head is the log's state, not this connection's: it stays refused until verified.
      if (error instanceof AuditError && error.code === "AUDIT_LOG_CORRUPT") throw error;
      // A failed COMMIT leaves it unknown whether the batch is stored: take no more records (fail closed).
      this.failure = wrap(error, "appending to");
      throw this.failure;
    }
  }

  /** Reads this store's records for verification and search, over its own connections. */
  source(): AuditSource {
    return rowSource(this.pool, "portcullis_audit");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }

  private usable(): void {
    if (this.closed) throw new AuditError("AUDIT_LOG_CLOSED", "the audit log in PostgreSQL is closed");
    if (this.failure) throw this.failure;
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection lost while checked out also emits "error"; the failed query already reports it.
    const ignore = (): void => undefined;
    client.on("error", ignore);
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollback: unknown) => (broken = rollback instanceof Error ? rollback : new Error(messageOf(rollback))));
      throw error;
    } finally {
      client.off("error", ignore);
      // A connection whose ROLLBACK failed is discarded rather than reused.
      client.release(broken);
    }
  }
}

/**
 * Reads an audit log in PostgreSQL (a connection URL or settings) for `portcullis audit verify`, search
 * and export, each read on a connection of its own that is closed when the read ends.
 */
export function postgresSource(config: string | pg.ClientConfig): AuditSource {
  const settings: pg.ClientConfig = typeof config === "string" ? { connectionString: config } : config;
  const inner = (client: pg.Client): AuditSource => rowSource(client, nameOf(settings));
  return {
    name: nameOf(settings),
    async *entries(options?: { fromByte?: number }): AsyncIterable<StoredEntry> {
      const client = new pg.Client(settings);
      try {
        await client.connect();
        const exists = await client.query("SELECT to_regclass('portcullis_audit') IS NOT NULL AS present");
        if (exists.rows[0]?.present !== true) throw new AuditError("AUDIT_LOG_MISSING", `no audit log (table portcullis_audit) in ${nameOf(settings)}`);
        yield* inner(client).entries(options);
      } catch (error) {
        throw error instanceof AuditError ? error : new AuditError("AUDIT_LOG_FAILED", `reading the audit log in ${nameOf(settings)} failed: ${messageOf(error)}`, { cause: error });
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

/** The database named without its password. */
function nameOf(settings: pg.ClientConfig): string {
  if (settings.connectionString) {
    try {
      const url = new URL(settings.connectionString);
      url.password = "";
      return `${url.toString()} (table portcullis_audit)`;
    } catch {
      return "PostgreSQL (table portcullis_audit)";
    }
  }
  return `postgresql://${settings.user ?? ""}@${settings.host ?? "localhost"}:${settings.port ?? 5432}/${settings.database ?? ""} (table portcullis_audit)`;
}

type Queryable = Pick<pg.Pool, "query"> | Pick<pg.Client, "query">;

/**
 * Rows in seq order as the text of a log file's lines, built from every column, so an edit to any
 * column in SQL shows in verification. Positions count rows; `fromByte` skips the rows whose lines
 * would end at or before that offset of the same text as a file, so readers that resume by byte
 * offset (tail) work unchanged.
 */
function rowSource(db: Queryable, name: string): AuditSource {
  return {
    name,
    async *entries(options?: { fromByte?: number }): AsyncIterable<StoredEntry> {
      const skip = options?.fromByte ?? 0;
      let offset = 0;
      let position = 0;
      let after: string | null = null;
      for (;;) {
        const page: pg.QueryResult<Row> = await db.query<Row>(
          `SELECT seq::text AS seq, time, prev_hash, hash, event FROM portcullis_audit
            WHERE $1::bigint IS NULL OR portcullis_audit.seq > $1::bigint ORDER BY portcullis_audit.seq LIMIT ${PAGE}`,
          [after],
        );
        for (const row of page.rows) {
          position += 1;
          const text = rowLine(row);
          offset += Buffer.byteLength(text) + 1;
          if (offset > skip) yield { position, text, terminated: true };
        }
        const last = page.rows[page.rows.length - 1];
        if (!last || page.rows.length < PAGE) return;
        after = last.seq;
      }
    },
  };
}

/** A row as a file line would hold it (chain.ts recordLine's field order), without the newline. */
function rowLine(row: Row): string {
  return `{"seq":${row.seq},"time":${JSON.stringify(row.time)},"prev_hash":${JSON.stringify(row.prev_hash)},"hash":${JSON.stringify(row.hash)},"event":${row.event}}`;
}

/** The head row, which must be an intact record: nothing is chained onto a record that was changed. */
async function headIn(db: Queryable): Promise<ChainHead> {
  const result = await db.query<Row>("SELECT seq::text AS seq, time, prev_hash, hash, event FROM portcullis_audit ORDER BY portcullis_audit.seq DESC LIMIT 1");
  const row = result.rows[0];
  if (!row) return EMPTY_HEAD;
  let record: unknown;
  try {
    record = JSON.parse(rowLine(row));
  } catch {
    throw corrupt(row.seq, "is not JSON");
  }
  const problem = recordShapeProblem(record);
  if (problem) throw corrupt(row.seq, problem);
  const intact = record as AuditRecord;
  if (hashRecord(intact) !== intact.hash) throw corrupt(row.seq, "does not match its hash");
  return { seq: intact.seq, hash: intact.hash };
}

function corrupt(seq: string, why: string): AuditError {
  return new AuditError("AUDIT_LOG_CORRUPT", `the last record (seq ${seq}) of the audit log in PostgreSQL ${why}; run \`portcullis audit verify --postgres URL\` before writing to it`);
}

function wrap(error: unknown, doing: string): AuditError {
  if (error instanceof AuditError) return error;
  return new AuditError("AUDIT_LOG_FAILED", `${doing} the audit log in PostgreSQL failed: ${messageOf(error)}`, { cause: error });
}
