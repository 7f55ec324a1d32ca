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
const MAX_DERIVED = 4096;

/** What one `derived` computation read: the oldest cache entry, and whether anything it read was not kept. */
interface Reads {
  oldest: number;
  unkept: boolean;
}

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
  /** Answers computed from cached entries (`derived`): each expires with the oldest entry it read. */
  private readonly derivedCache = new Map<string, { value: unknown; oldest: number; generation: number }>();
  /** Computations of `derived` answers under way, each noting what it reads from this cache. */
  private readonly readers = new Set<Reads>();
  /** Bumped by `invalidate()`: an answer computed across it is not kept. */
  private generation = 0;

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
    if (hit && Date.now() - hit.at < TTL_MS) {
      this.noteRead(hit.at);
      return hit.value as T;
    }
    const value = await load();
    const kept = !Array.isArray(value) || value.length > 0;
    const at = Date.now();
    if (kept) this.cache.set(key, { value, at });
    this.noteRead(kept ? at : undefined);
    return value;
  }

  /**
   * `compute`'s answer, kept under `key` for as long as everything it read through `cached` would have
   * been: until the oldest of those entries expires, or `invalidate()`. An answer that read something
   * not kept (a name not found), or nothing at all, or across an `invalidate()`, is not kept. So a
   * derived answer is never staler than the entries it stands for. Other computations running at the
   * same time may make the oldest entry older than this one read: that only expires it sooner.
   */
  async derived<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.derivedCache.get(key);
    if (hit && hit.generation === this.generation && Date.now() - hit.oldest < TTL_MS) {
      this.noteRead(hit.oldest);
      return hit.value as T;
    }
    const reads: Reads = { oldest: Infinity, unkept: false };
    const generation = this.generation;
    this.readers.add(reads);
    let value: T;
    try {
      value = await compute();
    } finally {
      this.readers.delete(reads);
    }
    if (!reads.unkept && reads.oldest !== Infinity && generation === this.generation) {
      if (this.derivedCache.size >= MAX_DERIVED) this.derivedCache.clear();
      this.derivedCache.set(key, { value, oldest: reads.oldest, generation });
    }
    this.noteRead(reads.unkept ? undefined : reads.oldest);
    return value;
  }

  /** Tells every `derived` computation under way what was read: an entry kept since `at`, or (undefined) something not kept. */
  private noteRead(at: number | undefined): void {
    for (const reads of this.readers) {
      if (at === undefined) reads.unkept = true;
      else if (at < reads.oldest) reads.oldest = at;
    }
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
    this.derivedCache.clear();
    this.generation += 1;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
