import { performance } from "node:perf_hooks";
import pg from "pg";
import { round } from "../support/stats.js";

export interface ScanFigures {
  rows: number;
  /** Median wall time of the whole SELECT, received and decoded by node-postgres. */
  direct_ms: number;
  gateway_ms: number;
  /** gateway / direct: the aim is at most 2. */
  ratio: number;
}

interface Login {
  port: number;
  user: string;
  database: string;
  password: string;
}

const RUNS = 5;

async function medianScanMs(login: Login, sql: string, expectedRows: number): Promise<number> {
  const client = new pg.Client({ host: "127.0.0.1", ...login, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const times: number[] = [];
    // One untimed run first: the server's and the gateway's caches warm, as for every other figure.
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const result = await client.query(sql);
      if (i > 0) times.push(performance.now() - t0);
      if (result.rows.length !== expectedRows) throw new Error(`expected ${expectedRows} rows, got ${result.rows.length}`);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    await client.end();
  }
}

/**
 * A masked `SELECT` of every row of the users table (both masked columns) through the gateway, as an
 * identity that gets them masked, against the same SELECT on the server: the aim is within 2×.
 */
export async function measureMaskedScan(direct: Login, gateway: Login, rows: number): Promise<ScanFigures> {
  const sql = "SELECT id, name, email, ssn FROM users";
  const directMs = await medianScanMs(direct, sql, rows);
  const gatewayMs = await medianScanMs(gateway, sql, rows);
  return { rows, direct_ms: round(directMs, 1), gateway_ms: round(gatewayMs, 1), ratio: round(gatewayMs / directMs, 2) };
}
