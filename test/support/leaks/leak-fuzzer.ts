import pg from "pg";
import type { Identity } from "../../../engine/policy/types.js";
import { ALICE, startGatewayUnderTest, type GatewayUnderTest } from "../pg-gateway.js";
import { startTee, type TcpTee, type TeeConnection } from "../tcp-tee.js";
import { CanaryDetector, canarySql, makeCanaries, type Canary, type Trace } from "./canaries.js";
import type { GeneratedQuery, Protocol } from "./positions.js";

/**
 * Runs queries through the real gateway as alice (for whom `users.email` and `users.ssn` are masked),
 * with canaries in those columns, and searches every byte the client received for them: rows, COPY
 * data, error and notice fields, notifications, command tags. The bytes are taken from a TCP tee in
 * front of the gateway, so nothing a client library drops or parses differently escapes the search.
 * A masked value copied into a column that is not masked (readable later by anyone) is a leak too.
 * Queries run in autocommit, as an attacker's would; the superuser puts the canaries back after each.
 */

export interface Leak {
  position: string;
  sql: string;
  trace: Trace;
  /** The received bytes around the trace, for the report. */
  excerpt: string;
}

export type Outcome = "answered" | "denied" | "failed" | "timed out" | "connection lost";

export interface Tally {
  tried: number;
  outcomes: Record<Outcome, number>;
  leaks: Leak[];
  /** Per position: tried, and how many of them the gateway answered (not denied, no error). */
  positions: Map<string, { tried: number; answered: number; leaked: number }>;
  /** The first error or denial message seen per position, to tell a generator's mistakes from denials. */
  firstErrors: Map<string, string>;
}

const USERS = 6;
/** The rows of `orders` the demo schema seeds (test/support/pg-gateway.ts); others were added by a query. */
const SEEDED_ORDERS = 20;

function emptyTally(): Tally {
  return { tried: 0, outcomes: { answered: 0, denied: 0, failed: 0, "timed out": 0, "connection lost": 0 }, leaks: [], positions: new Map(), firstErrors: new Map() };
}
/** A query that runs longer than this is ended by the client (the server's own timeout is shorter). */
const CLIENT_TIMEOUT_MS = 15_000;

export class LeakFuzzer {
  tally: Tally = emptyTally();
  private client: pg.Client | undefined;
  private connection: TeeConnection | undefined;
  private readonly detector: CanaryDetector;
  /** The connection cannot be used for the next query (see `send`). */
  private stale = false;
  readonly gateway: GatewayUnderTest;
  readonly canaries: Canary[];
  private readonly tee: TcpTee;
  private readonly superuser: pg.Client;
  /** Who the queries run as: alice (masked) for the fuzzing, a reader to check that the search sees leaks. */
  who: Identity = ALICE;

  private constructor(gateway: GatewayUnderTest, tee: TcpTee, superuser: pg.Client, canaries: Canary[]) {
    this.gateway = gateway;
    this.tee = tee;
    this.superuser = superuser;
    this.canaries = canaries;
    this.detector = new CanaryDetector(canaries);
  }

  static async start(seed: number): Promise<LeakFuzzer> {
    const gateway = await startGatewayUnderTest();
    const canaries = makeCanaries(seed, USERS);
    try {
      const superuser = await gateway.pg.connect();
      superuser.on("error", () => undefined);
      // A session the fuzzer left hanging must not block the canaries' reset for ever.
      await superuser.query("SET statement_timeout = '20s'");
      // SQLsmith's cross joins can run for minutes: the server ends any statement of the gateway's role
      // after a few seconds (new sessions take the role setting).
      await superuser.query("ALTER ROLE gateway SET statement_timeout = '4s'");
      await superuser.query("ALTER ROLE gateway SET lock_timeout = '2s'");
      await superuser.query(canarySql(canaries));
      const tee = await startTee(gateway.gateway.port);
      return new LeakFuzzer(gateway, tee, superuser, canaries);
    } catch (error) {
      await gateway.stop();
      throw error;
    }
  }

  /** The superuser's view of the masked values: the fuzzer is only meaningful while they are canaries. */
  async storedValues(): Promise<string[]> {
    const r = await this.superuser.query<{ email: string; ssn: string }>("SELECT email, ssn FROM users WHERE id <= $1 ORDER BY id", [USERS]);
    return r.rows.flatMap((row) => [row.email, row.ssn]);
  }

  private async connected(): Promise<{ client: pg.Client; connection: TeeConnection }> {
    if (this.client && this.connection) return { client: this.client, connection: this.connection };
    const before = this.tee.connections.length;
    const client = new pg.Client({ host: "127.0.0.1", port: this.tee.port, user: "token", database: "demo", password: await this.gateway.token(this.who) });
    client.on("error", () => undefined);
    client.on("notice", () => undefined);
    await client.connect();
    const connection = this.tee.connections[before];
    if (!connection) throw new Error("the client's connection did not go through the tee");
    this.client = client;
    this.connection = connection;
    return { client, connection };
  }

  /** Starts counting afresh (the calibration run as a reader is not part of a result). */
  resetTally(): void {
    this.tally = emptyTally();
  }

  /** Runs the next queries as `who`, on a new connection. */
  runAs(who: Identity): void {
    this.drop();
    this.who = who;
  }

  private drop(): void {
    this.stale = false;
    const client = this.client;
    this.client = undefined;
    this.connection = undefined;
    if (client) void client.end().catch(() => undefined);
  }

  /** Runs one query, then searches what the client received while it ran. */
  async run(query: GeneratedQuery): Promise<Outcome> {
    const { client, connection } = await this.connected();
    if (process.env.LEAK_FUZZ_TRACE) console.log(`-> [${query.position}] ${query.protocol ?? "simple"}: ${query.sql}`);
    const from = connection.toClient.length;
    const outcome = await this.execute(client, query);
    if (outcome === "timed out" || outcome === "connection lost" || this.stale) this.drop();
    // Anything sent after ReadyForQuery (a late notification) is in the bytes of the next check too.
    await new Promise((r) => setImmediate(r));
    const received = Buffer.concat(connection.toClient.slice(from));
    this.record(query, outcome, received);
    await this.findCopies(query);
    // Put the canaries back in case a write changed them.
    await this.superuser.query(canarySql(this.canaries));
    return outcome;
  }

  /**
   * A masked value the query wrote into a column that is not masked can be read back by anyone later:
   * that is a leak of the query that wrote it. The unmasked columns are searched (as the superuser)
   * after every query, and put back as they were.
   */
  private async findCopies(query: GeneratedQuery): Promise<void> {
    const r = await this.superuser.query<{ users: string | null; orders: string | null }>(
      `SELECT (SELECT string_agg(concat_ws(' ', id, name, age), ' ') FROM users) AS users,
              (SELECT string_agg(concat_ws(' ', id, user_id, amount, note), ' ') FROM orders) AS orders`,
    );
    for (const [table, text] of [["users", r.rows[0]?.users], ["orders", r.rows[0]?.orders]] as const) {
      const trace = text ? this.detector.find(text) : undefined;
      if (!trace) continue;
      const position = this.tally.positions.get(query.position);
      if (position) position.leaked += 1;
      this.tally.leaks.push({ position: query.position, sql: query.sql, trace, excerpt: `copied into an unmasked column of ${table}` });
    }
    await this.superuser.query(`DELETE FROM orders WHERE id NOT BETWEEN 1 AND ${SEEDED_ORDERS}`);
    await this.superuser.query("UPDATE orders SET note = 'order ' || id, user_id = 1 + id % 3, amount = id * 1.5 WHERE note IS DISTINCT FROM 'order ' || id OR user_id IS DISTINCT FROM 1 + id % 3 OR amount IS DISTINCT FROM id * 1.5");
    await this.superuser.query(`UPDATE users SET name = 'user ' || id, age = 20 + id WHERE id > 3 AND (name IS DISTINCT FROM 'user ' || id OR age IS DISTINCT FROM 20 + id)`);
    await this.superuser.query(`UPDATE users SET name = (ARRAY['Ada', 'Grace', 'Linus'])[id], age = (ARRAY[36, 45, 28])[id] WHERE id BETWEEN 1 AND 3 AND name IS DISTINCT FROM (ARRAY['Ada', 'Grace', 'Linus'])[id]`);
    await this.superuser.query(`DELETE FROM users WHERE id NOT BETWEEN 1 AND ${USERS} AND id NOT IN (SELECT user_id FROM orders WHERE user_id IS NOT NULL)`);
  }

  private async execute(client: pg.Client, query: GeneratedQuery): Promise<Outcome> {
    let outcome: Outcome = "answered";
    for (const sql of query.steps ?? [query.sql]) {
      const step = await this.executeOne(client, query.position, sql, query.protocol ?? "simple");
      if (outcome === "answered") outcome = step;
      if (step === "timed out" || step === "connection lost") return step;
    }
    return outcome;
  }

  private async executeOne(client: pg.Client, position: string, sql: string, protocol: Protocol): Promise<Outcome> {
    if (protocol !== "named, executed twice") return this.send(client, position, queryConfig(sql, protocol, this.tally.tried));
    const first = await this.send(client, position, queryConfig(sql, protocol, this.tally.tried));
    return first === "answered" ? this.send(client, position, queryConfig(sql, protocol, this.tally.tried)) : first;
  }

  private async send(client: pg.Client, position: string, config: pg.QueryConfig): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve("timed out"), CLIENT_TIMEOUT_MS);
    });
    const ran = client.query(config).then(
      (): Outcome => "answered",
      (error: unknown): Outcome => {
        const code = (error as { code?: unknown }).code;
        if (!this.tally.firstErrors.has(position)) this.tally.firstErrors.set(position, `${String(code)} ${(error as Error).message}`);
        if (typeof code !== "string") return "connection lost";
        return code === "42501" ? "denied" : "failed";
      },
    );
    const outcome = await Promise.race([ran, timeout]);
    clearTimeout(timer);
    if (outcome !== "failed" && outcome !== "denied") return outcome;
    // node-postgres answers nothing more on a connection whose row-limited portal failed: start afresh.
    if ((config as { rows?: number }).rows !== undefined) {
      this.stale = true;
      return outcome;
    }
    // A failure inside BEGIN … COMMIT leaves the transaction open and aborted: end it.
    await client.query("ROLLBACK").catch(() => undefined);
    return outcome;
  }

  private record(query: GeneratedQuery, outcome: Outcome, received: Buffer): void {
    this.tally.tried += 1;
    this.tally.outcomes[outcome] += 1;
    const position = this.tally.positions.get(query.position) ?? { tried: 0, answered: 0, leaked: 0 };
    position.tried += 1;
    if (outcome === "answered") position.answered += 1;
    const trace = this.detector.find(received);
    if (trace) {
      position.leaked += 1;
      const text = received.toString("latin1");
      const at = Math.max(0, text.toLowerCase().indexOf(trace.canary.core.slice(0, 7).toLowerCase()));
      this.tally.leaks.push({ position: query.position, sql: query.sql, trace, excerpt: JSON.stringify(text.slice(Math.max(0, at - 80), at + 80)) });
    }
    this.tally.positions.set(query.position, position);
  }

  async stop(): Promise<void> {
    this.drop();
    await this.superuser.end().catch(() => undefined);
    await this.tee.close();
    await this.gateway.stop();
  }
}

/**
 * node-postgres's form of each protocol: `queryMode: "extended"` sends Parse/Bind/Execute, `binary`
 * asks for binary results, `rows` executes the portal that many rows at a time, and a `name` prepares
 * the statement once per connection and only binds it afterwards.
 */
function queryConfig(sql: string, protocol: Protocol, n: number): pg.QueryConfig {
  switch (protocol) {
    case "simple":
      return { text: sql };
    case "extended text":
    case "extended binary":
      return { text: sql, queryMode: "extended", binary: protocol === "extended binary" } as pg.QueryConfig;
    case "extended, one row per Execute":
      return { text: sql, queryMode: "extended", rows: 1 } as pg.QueryConfig;
    case "named, executed twice":
      return { text: sql, name: `leak_${n}` };
  }
}

/** A one-line summary and a line per leak, for the test's failure message and the benchmark's output. */
export function describeTally(t: Tally): string {
  const o = t.outcomes;
  const lines = [`tried ${t.tried}, leaked ${t.leaks.length} (answered ${o.answered}, denied ${o.denied}, failed ${o.failed}, timed out ${o["timed out"]}, connection lost ${o["connection lost"]})`];
  for (const leak of t.leaks) lines.push(`LEAK [${leak.position}] ${leak.trace.canary.column} of user ${leak.trace.canary.id} as ${leak.trace.how}: ${leak.sql}\n    received …${leak.excerpt}…`);
  return lines.join("\n");
}
