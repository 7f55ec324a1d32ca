import pg from "pg";
import type { PostgresTarget } from "./upstream/target.js";

/** A table column as result rows identify it: table OID and attribute number. */
export interface ColumnOrigin {
  tableOid: number;
  attributeNumber: number;
}

const LOOKUP = `
  SELECT c.oid::int8 AS oid, a.attnum AS attnum
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped AND a.attnum > 0`;

const TTL_MS = 60_000;

/**
 * Resolves `schema.table.column` names (as policies write them) to the OID/attribute pairs that
 * RowDescription carries, with the gateway's own connection to the target. Cached per target;
 * `invalidate()` is called after any DDL through the gateway and entries expire after a minute, so a
 * renamed or recreated table is looked up again.
 */
export class ColumnCatalog {
  private pool: pg.Pool;
  private readonly target: PostgresTarget;
  private readonly cache = new Map<string, { origin: ColumnOrigin | null; at: number }>();

  constructor(target: PostgresTarget) {
    this.target = target;
    this.pool = ColumnCatalog.pool(target, target.tls !== "disable");
  }

  private static pool(target: PostgresTarget, ssl: boolean): pg.Pool {
    const config: pg.PoolConfig = {
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      database: target.database,
      max: 2,
      idleTimeoutMillis: 30_000,
      application_name: "portcullis-catalog",
      connectionTimeoutMillis: target.connectTimeoutMs ?? 10_000,
    };
    if (ssl) config.ssl = target.tls === "verify-full" ? (target.ca ? { ca: target.ca, servername: target.host } : { servername: target.host }) : { rejectUnauthorized: false };
    const pool = new pg.Pool(config);
    // An idle connection the server drops must not become an unhandled error.
    pool.on("error", () => undefined);
    return pool;
  }

  private async query(values: string[]): Promise<pg.QueryResult<{ oid: string; attnum: number }>> {
    try {
      return await this.pool.query<{ oid: string; attnum: number }>(LOOKUP, values);
    } catch (error) {
      // `prefer`, as libpq means it: TLS when the server offers it, plain TCP when it does not.
      if (this.target.tls !== "prefer" || !/does not support SSL/i.test(String(error))) throw error;
      const plain = ColumnCatalog.pool(this.target, false);
      void this.pool.end().catch(() => undefined);
      this.pool = plain;
      return this.pool.query<{ oid: string; attnum: number }>(LOOKUP, values);
    }
  }

  /** The origin of a qualified column name (`schema.table.column`; `table.column` means schema public), or null when absent. */
  async resolve(qualified: string): Promise<ColumnOrigin | null> {
    const cached = this.cache.get(qualified);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.origin;
    const parts = qualified.split(".");
    const [schema, table, column] = parts.length === 3 ? parts : parts.length === 2 ? ["public", parts[0]!, parts[1]!] : [undefined, undefined, undefined];
    if (!schema || !table || !column) return null;
    const result = await this.query([schema, table, column]);
    const row = result.rows[0];
    const origin = row ? { tableOid: Number(row.oid), attributeNumber: row.attnum } : null;
    this.cache.set(qualified, { origin, at: Date.now() });
    return origin;
  }

  invalidate(): void {
    this.cache.clear();
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
