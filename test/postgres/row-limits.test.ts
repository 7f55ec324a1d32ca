import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "node:net";
import pg from "pg";
import { parse, serialize } from "pg-protocol";
import type { BackendMessage } from "pg-protocol/dist/messages.js";
import type { Identity } from "../../engine/policy/types.js";
import { ALICE, startGatewayUnderTest, userNameOf, type GatewayUnderTest } from "../support/pg-gateway.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";
import { run } from "../support/run.js";
import { clearOfWindowEnd } from "../support/windows.js";

/**
 * The decision's row limits (the default policy's settings.reads, on statements reading a table that
 * holds masked columns) enforced on the wire against a real PostgreSQL server: a result over its
 * limit is cut after the limit with an error, the server stops producing rows there, the statement
 * fails on the server as if it had failed there, and the hour's budget is spent across statements.
 */
const PER_STATEMENT = 1000;
const PER_HOUR = 2500;
/** A person's per-statement limit, high enough to stream most of a 1,000,000-row result through the gateway. */
const PERSON_PER_STATEMENT = 900_000;

let g: GatewayUnderTest;
let policy: { dir: string; remove(): void };

/** Each test its own service, so each counts against a budget of its own. */
function service(name: string): Identity {
  return { subject: name, issuer: "https://ci.test", groups: ["ci"], kind: "service", claims: {} };
}

/** `n` rows (a number, or a parameter), read from the users table (which holds masked columns): one row per g joined to user 1. */
function rowsOf(n: number | string): string {
  return `SELECT g, u.name FROM generate_series(1, ${n}) g JOIN users u ON u.id = 1`;
}

test.before(async () => {
  policy = defaultPolicyWithSettings({ reads: { rows_per_statement: { service: PER_STATEMENT, human: PERSON_PER_STATEMENT }, rows_per_hour: { service: PER_HOUR } } });
  g = await startGatewayUnderTest({ policyDir: policy.dir });
});
test.after(async () => {
  await g.stop();
  policy.remove();
});

interface Streamed {
  rows: number;
  errors: Array<{ code: string; message: string }>;
  suspended: number;
  status: string;
  /** The most heap and buffer memory this process held above where it started, while the rows streamed. */
  peakGrowth: number;
  ms: number;
}

/**
 * Logs in as `who` and sends `messages` (after login), counting rows as they arrive and keeping none:
 * a client that could take any number of rows. Resolves at the `ready`-th ReadyForQuery.
 */
async function stream(who: Identity, messages: Buffer[], ready = 1): Promise<Streamed> {
  const token = await g.token(who);
  const socket = connect({ host: "127.0.0.1", port: g.gateway.port });
  const result: Streamed = { rows: 0, errors: [], suspended: 0, status: "", peakGrowth: 0, ms: 0 };
  const memory = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  let started = 0;
  let baseline = 0;
  let sampler: NodeJS.Timeout | undefined;
  let seen = 0;
  let loggedIn = false;
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => socket.write(serialize.startup({ user: userNameOf(who), database: "demo" })));
    void parse(socket, (message: BackendMessage) => {
      switch (message.name) {
        case "authenticationCleartextPassword":
          socket.write(serialize.password(token));
          break;
        case "dataRow":
          result.rows += 1;
          break;
        case "portalSuspended":
          result.suspended += 1;
          break;
        case "error": {
          const error = message as unknown as { code: string; message: string };
          result.errors.push({ code: error.code, message: error.message });
          if (!loggedIn) reject(new Error(`login failed: ${error.message}`));
          break;
        }
        case "readyForQuery":
          if (!loggedIn) {
            loggedIn = true;
            global.gc?.();
            baseline = memory();
            sampler = setInterval(() => (result.peakGrowth = Math.max(result.peakGrowth, memory() - baseline)), 5);
            started = performance.now();
            socket.write(Buffer.concat(messages));
            break;
          }
          result.status = (message as unknown as { status: string }).status;
          if (++seen === ready) {
            result.ms = performance.now() - started;
            clearInterval(sampler);
            socket.end(serialize.end());
            resolve();
          }
          break;
        default:
          break;
      }
    });
  });
  return result;
}

function cutMessage(sent: number, reason: string): RegExp {
  return new RegExp(`^Portcullis cut this result off after ${sent} rows: ${reason}`);
}

test("a service's 1,000,000-row result is cut after its per-statement limit; the server stops producing rows there", async () => {
  const ci = service("ci-cut");
  const result = await stream(ci, [serialize.query(rowsOf(1_000_000))]);
  assert.is(result.rows, PER_STATEMENT, "exactly the limit reaches the client");
  assert.equal(result.errors, [{ code: "42501", message: `Portcullis cut this result off after ${PER_STATEMENT} rows: the policy allows at most ${PER_STATEMENT} rows per statement` }]);
  assert.is(result.status, "I");
  // The server was asked for one row past the limit: producing and sending a million would take seconds.
  assert.ok(result.ms < 1500, `answered in ${Math.round(result.ms)} ms`);
  const decision = g.events.find((e) => e.type === "decision" && e.verdict.decision.limits?.rows_per_statement === PER_STATEMENT && e.request.kind === "sql" && e.request.text.includes("1000000"));
  assert.ok(decision, "the decision carrying the limit is audited");
  const outcome = g.events.find((e) => e.type === "result" && decision?.type === "decision" && e.request_id === decision.request_id && e.session_id === decision.session_id);
  assert.ok(outcome && outcome.type === "result" && "rows" in outcome.result, "the result is audited");
  if (outcome?.type === "result" && "rows" in outcome.result) {
    assert.is(outcome.result.rows, PER_STATEMENT);
    assert.match(outcome.result.command_tag, /cut off after 1000 rows/);
  }
});

test("a 1,000,000-row result streams through to a person's limit of 900,000 rows at flat memory, then is cut", async () => {
  const result = await stream(ALICE, [serialize.query(rowsOf(1_000_000))]);
  assert.is(result.rows, PERSON_PER_STATEMENT);
  assert.is(result.errors.length, 1);
  assert.match(result.errors[0]!.message, cutMessage(PERSON_PER_STATEMENT, `the policy allows at most ${PERSON_PER_STATEMENT} rows per statement`));
  // 900,000 rows are ~25 MB on the wire and ~200 MB as messages held in memory: the gateway holds
  // only what is in flight (this process is also the client, which keeps no rows).
  assert.ok(result.peakGrowth < 64 * 1024 * 1024, `memory grew by ${Math.round(result.peakGrowth / 1024 / 1024)} MB while the rows streamed`);
  if (process.env.PORTCULLIS_TEST_VERBOSE) console.log(`900,000 rows in ${Math.round(result.ms)} ms, memory peak +${(result.peakGrowth / 1024 / 1024).toFixed(1)} MB`);
});

test("psql: the cut statement fails on the server, and so does the transaction it ran in", async () => {
  const env = await g.env(service("ci-psql"));
  const alone = await run("psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", rowsOf(5000)], env);
  assert.is(alone.code, 1);
  assert.match(alone.stderr, /ERROR: {2}Portcullis cut this result off after 1000 rows: the policy allows at most 1000 rows per statement/);
  assert.match(alone.stderr, /HINT: {2}Narrow the query/);

  const inTransaction = await run("psql", ["-X", "-A", "-t", "-c", "BEGIN", "-c", rowsOf(5000), "-c", "SELECT 1", "-c", "ROLLBACK"], env);
  // The server itself reports the transaction aborted: the cut failed the statement there, not only on the wire.
  assert.match(inTransaction.stderr, /current transaction is aborted, commands ignored until end of transaction block/);

  const within = await run("psql", ["-X", "-A", "-t", "-c", rowsOf(PER_STATEMENT)], await g.env(service("ci-psql-whole")));
  assert.is(within.code, 0, within.stderr);
  assert.is(within.stdout.trim().split("\n").length, PER_STATEMENT, "a result at exactly the limit is whole");
});

test("several statements in one Query: each is cut at its own limit, and the statements after a cut do not run", async () => {
  const env = await g.env(service("ci-multi"));
  await g.pg.query("CREATE TABLE IF NOT EXISTS multi_marks (note text); GRANT ALL ON multi_marks TO gateway");
  const result = await run("psql", ["-X", "-A", "-t", "-c", `SELECT 1; ${rowsOf(3000)}; INSERT INTO multi_marks VALUES ('ran')`], env);
  assert.match(result.stderr, /cut this result off after 1000 rows/);
  const marks = await g.pg.query("SELECT count(*)::int AS n FROM multi_marks");
  assert.is(marks.rows[0]?.n, 0, "the INSERT after the cut statement never ran");
});

test("a driver's extended-protocol query is cut too; a portal fetched in parts counts its parts together", async () => {
  const ci = service("ci-driver");
  const client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: userNameOf(ci), database: "demo", password: await g.token(ci) });
  await client.connect();
  try {
    const error = await client.query(rowsOf("$1::int"), [5000]).then(() => undefined, (e: unknown) => e as Error);
    assert.ok(error, "the query fails");
    assert.match(error!.message, /cut this result off after 1000 rows/);
    const after = await client.query("SELECT 41 + 1 AS n");
    assert.is(after.rows[0].n, 42, "the connection goes on");
  } finally {
    await client.end();
  }

  const parts = await stream(service("ci-portal"), [
    serialize.parse({ text: rowsOf(5000) }),
    serialize.bind({}),
    serialize.execute({ rows: 600 }),
    serialize.execute({ rows: 600 }),
    serialize.sync(),
  ]);
  assert.is(parts.suspended, 1, "the first 600 rows end as the client asked");
  assert.is(parts.rows, PER_STATEMENT, "the second part is cut where the statement's limit ends");
  assert.match(parts.errors[0]?.message ?? "", cutMessage(PER_STATEMENT, "the policy allows at most 1000 rows per statement"));
});

test("the hour's row budget is spent across statements: cut where it ends, then refused with the time until it resets", async () => {
  await clearOfWindowEnd(3600, 20_000);
  const env = await g.env(service("ci-hourly"));
  const first = await run("psql", ["-X", "-A", "-t", "-c", rowsOf(1000), "-c", rowsOf(1000)], env);
  assert.is(first.stdout.trim().split("\n").length, 2000, first.stderr);
  const third = await run("psql", ["-X", "-A", "-t", "-c", rowsOf(1000)], env);
  assert.match(third.stderr, /cut this result off after 500 rows: the policy allows ci-hourly 2500 rows per hour \(budget "masked-tables"\), and that budget is spent/);
  const fourth = await run("psql", ["-X", "-A", "-t", "-c", rowsOf(10)], env);
  assert.is(fourth.code, 1);
  assert.match(fourth.stderr, /rows budget spent: at most 2500 rows per hour for ci-hourly \(budget "masked-tables"\); it resets in \d+ s/);
  // Statements that read no table holding masked columns carry no row limit and still run.
  const other = await run("psql", ["-X", "-A", "-t", "-c", "SELECT count(*) FROM orders"], env);
  assert.is(other.stdout.trim(), "20", other.stderr);
});

test("COPY TO STDOUT cannot be cut at a row limit, so it is refused under one", async () => {
  const env = await g.env(service("ci-copy"));
  const result = await run("psql", ["-X", "-A", "-t", "-c", "COPY (SELECT name FROM users) TO STDOUT"], env);
  assert.is(result.code, 1);
  assert.match(result.stderr, /COPY TO STDOUT cannot be cut at a row limit/);
});

test.run();
