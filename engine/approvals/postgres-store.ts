import { readStoredApproval } from "./stored-approval.js";
import pg from "pg";
import { messageOf } from "../errors.js";
import { ApprovalError } from "./errors.js";
import type { ApprovalPatch, ApprovalStore, ListOptions } from "./store.js";
import type { ApprovalRequest } from "./types.js";

/** The channel every change is announced on (LISTEN/NOTIFY), with the request id as payload. */
export const APPROVALS_CHANNEL = "portcullis_approvals";
/** The first wait before reconnecting a lost LISTEN connection; it doubles up to a few seconds. */
const RECONNECT_MS = 250;
const RECONNECT_MAX_MS = 5_000;

export interface PostgresApprovalStoreOptions extends pg.PoolConfig {
  /** Where connection trouble is reported (the LISTEN connection reconnects on its own). */
  log?: (line: string) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS portcullis_approvals (
  id           text PRIMARY KEY,
  status       text NOT NULL,
  version      integer NOT NULL,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  request_hash text NOT NULL,
  body         jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS portcullis_approvals_status ON portcullis_approvals (status, created_at DESC);
CREATE INDEX IF NOT EXISTS portcullis_approvals_hash ON portcullis_approvals (request_hash);
`;

/**
 * Approval requests in PostgreSQL (table portcullis_approvals), shared by every gateway instance that
 * points at the same database. A change is a single `UPDATE … WHERE id = $1 AND version = $2`
 * (compare and set), so two instances deciding or consuming the same request cannot both win; each
 * change is announced with NOTIFY in the same statement, so it is delivered exactly when it commits,
 * and a hold waiting on one instance is released by a decision on another without polling.
 * https://www.postgresql.org/docs/current/sql-notify.html
 */
export class PostgresApprovalStore implements ApprovalStore {
  private readonly pool: pg.Pool;
  private readonly config: pg.ClientConfig;
  private readonly log: (line: string) => void;
  private readonly listeners = new Set<(id: string | undefined) => void>();
  private listener: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_MS;
  private closed = false;

  private constructor(pool: pg.Pool, config: pg.ClientConfig, log: (line: string) => void) {
    this.pool = pool;
    this.config = config;
    this.log = log;
  }

  /** Connects, creates the table when it is missing, and starts listening for changes. */
  static async open(options: PostgresApprovalStoreOptions): Promise<PostgresApprovalStore> {
    const { log, ...config } = options;
    const pool = new pg.Pool({ max: 4, connectionTimeoutMillis: 10_000, ...config });
    const report = log ?? ((line: string) => process.stderr.write(`${line}\n`));
    // An idle pooled connection that breaks emits here; without a handler it would end the process.
    pool.on("error", (error) => report(`approvals store: idle connection failed: ${error.message}`));
    const store = new PostgresApprovalStore(pool, config, report);
    try {
      await store.migrate();
      await store.listen();
    } catch (error) {
      await store.close();
      throw new ApprovalError("STORE_FAILED", `cannot open the approval store in PostgreSQL: ${messageOf(error)}`, { cause: error });
    }
    return store;
  }

  async create(request: ApprovalRequest): Promise<void> {
    await this.query(
      `WITH created AS (
         INSERT INTO portcullis_approvals (id, status, version, created_at, expires_at, request_hash, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)
       SELECT pg_notify('${APPROVALS_CHANNEL}', id) FROM created`,
      [request.id, request.status, request.version, request.created_at, request.expires_at, request.request_hash, JSON.stringify(request)],
    );
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const result = await this.query<{ body: ApprovalRequest }>("SELECT body FROM portcullis_approvals WHERE id = $1", [id]);
    const body = result.rows[0]?.body;
    return body && readStoredApproval(body);
  }

  async list(options: ListOptions = {}): Promise<ApprovalRequest[]> {
    const result = await this.query<{ body: ApprovalRequest }>(
      `SELECT body FROM portcullis_approvals
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR request_hash = $2)
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [options.status ?? null, options.request_hash ?? null, options.limit ?? null],
    );
    return result.rows.map((row) => readStoredApproval(row.body));
  }

  async update(id: string, expectedVersion: number, patch: ApprovalPatch): Promise<ApprovalRequest | undefined> {
    const { status } = patch;
    const body = { ...patch, version: expectedVersion + 1 };
    const result = await this.query<{ body: ApprovalRequest }>(
      `WITH changed AS (
         UPDATE portcullis_approvals
            SET body = body || $3::jsonb, version = version + 1, status = COALESCE($4, status)
          WHERE id = $1 AND version = $2
          RETURNING id, body)
       SELECT body, pg_notify('${APPROVALS_CHANNEL}', id) FROM changed`,
      [id, expectedVersion, JSON.stringify(body), status ?? null],
    );
    const updated = result.rows[0]?.body;
    return updated && readStoredApproval(updated);
  }

  watch(onChange: (id: string | undefined) => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.closed) throw new ApprovalError("CLOSED", "the approval store is closed");
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw new ApprovalError("STORE_FAILED", `the approval store in PostgreSQL failed: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Creates the table; an advisory lock keeps instances starting together from racing on CREATE. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext('portcullis_approvals_schema'))");
      await client.query(SCHEMA);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** One dedicated connection LISTENs; when it is lost it reconnects and tells watchers to look again. */
  private async listen(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on("notification", (message) => {
      if (message.channel === APPROVALS_CHANNEL) this.notify(message.payload);
    });
    client.on("error", (error) => {
      this.log(`approvals store: the LISTEN connection failed (${error.message}); reconnecting`);
      this.reconnect(client);
    });
    client.on("end", () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${APPROVALS_CHANNEL}`);
    this.listener = client;
    this.reconnectDelay = RECONNECT_MS;
  }

  private reconnect(lost: pg.Client): void {
    if (this.closed || this.listener !== lost || this.reconnectTimer) return;
    this.listener = undefined;
    lost.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.listen().then(
        () => this.notify(undefined), // changes made while we were away were not announced to us
        (error: unknown) => {
          this.log(`approvals store: reconnecting the LISTEN connection failed: ${messageOf(error)}`);
          this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
          this.listener = lost; // so the next reconnect is scheduled from here
          this.reconnect(lost);
        },
      );
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
  }

  private notify(id: string | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(id);
      } catch (error) {
        this.log(`approvals store: a change watcher failed: ${messageOf(error)}`);
      }
    }
  }
}
