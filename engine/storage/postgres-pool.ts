import pg from "pg";
import { messageOf } from "../errors.js";

/**
 * A small pool to a PostgreSQL database shared by gateway instances, with the tables `schema` creates
 * made sure of first: under an advisory lock named `lockName`, because CREATE TABLE IF NOT EXISTS
 * run by two instances starting at once can still collide. `what` names the store in errors and logs.
 * Throws (and closes the pool) when the database cannot be reached or the tables cannot be created.
 */
export async function openSharedStore(what: string, options: pg.PoolConfig & { log?: (line: string) => void }, schema: string, lockName: string): Promise<pg.Pool> {
  const { log, ...config } = options;
  const pool = new pg.Pool({ max: 2, connectionTimeoutMillis: 5_000, ...config });
  // An idle pooled connection that breaks emits here; without a handler it would end the process.
  pool.on("error", (error) => (log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`${what}: idle connection failed: ${error.message}`));
  const client = await pool.connect().catch(async (error: unknown) => {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot open the ${what} in PostgreSQL: ${messageOf(error)}`, { cause: error });
  });
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [lockName]);
    await client.query(schema);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release(true);
    await pool.end().catch(() => undefined);
    throw new Error(`cannot create the ${what} tables in PostgreSQL: ${messageOf(error)}`, { cause: error });
  }
  client.release();
  return pool;
}
