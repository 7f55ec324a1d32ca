import pg from "pg";
import type { PostgresTarget } from "./upstream/target.js";

/** A table column as result rows identify it: table OID and attribute number. */
export interface ColumnOrigin {
  tableOid: number;
  attributeNumber: number;
}

/** A column a policy names, as the catalog has it. */
export interface CatalogColumn extends ColumnOrigin {
  /** The table holding it (`schema.table`) and the column's name. */
  relation: string;
  column: string;
}

// Schema `*` is any schema.
const LOOKUP = `
  SELECT c.oid::int8 AS oid, a.attnum AS attnum, format('%I.%I', n.nspname, c.relname) AS relation
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE ($1 = '*' OR n.nspname = $1) AND c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped AND a.attnum > 0`;

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
  private readonly cache = new Map<string, { value: unknown; at: number }>();

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

  /** Runs one catalog query on the gateway's own connection to the target. */
  async rows<R extends pg.QueryResultRow>(text: string, values: Array<string | null>): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      // `prefer`, as libpq means it: TLS when the server offers it, plain TCP when it does not.
      if (this.target.tls !== "prefer" || !/does not support SSL/i.test(String(error))) throw error;
      const plain = ColumnCatalog.pool(this.target, false);
      void this.pool.end().catch(() => undefined);
      this.pool = plain;
      return (await this.pool.query<R>(text, values)).rows;
    }
  }

  /**
   * `load()`'s answer, kept under `key` until it expires or DDL invalidates the catalog. An empty
   * array is not kept: a name not there yet may be created on the server at any moment.
   */
  async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value as T;
    const value = await load();
    if (!Array.isArray(value) || value.length > 0) this.cache.set(key, { value, at: Date.now() });
    return value;
  }

  /** The columns a qualified name (`schema.table.column`, schema `*` for any; `table.column` means schema public) names. */
  resolve(qualified: string): Promise<CatalogColumn[]> {
    const parts = qualified.split(".");
    const [schema, table, column] = parts.length === 3 ? parts : parts.length === 2 ? ["public", parts[0]!, parts[1]!] : [undefined, undefined, undefined];
    if (!schema || !table || !column) return Promise.resolve([]);
    return this.cached(`column:${qualified}`, async () => {
      const rows = await this.rows<{ oid: string; attnum: number; relation: string }>(LOOKUP, [schema, table, column]);
      return rows.map((r) => ({ tableOid: Number(r.oid), attributeNumber: r.attnum, relation: r.relation, column }));
    });
  }

  invalidate(): void {
    this.cache.clear();
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
