import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { serialize } from "pg-protocol";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { ReloadResult } from "../../engine/policy/policy-service.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { errorsIn, wireLogin, type BackendMessage } from "../support/pg-wire.js";
import { psql } from "../support/run.js";

/**
 * The policy is hot-reloaded while sessions are open: a session that was allowed a statement is
 * denied it by the next policy without reconnecting, and a policy that fails to build never replaces
 * the last good one.
 */

const FREEZE = `package portcullis.sql

deny contains "orders are frozen while the test runs" if {
	some statement in input.action.statements
	some table in statement.tables
	table.name == "orders"
}
`;

let dir: string;
let g: GatewayUnderTest;
let session: pg.Client;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-reload-"));
  cpSync(defaultPolicyDir, dir, { recursive: true });
  g = await startGatewayUnderTest({ policyDir: dir, watch: true });
  session = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  session.on("error", () => undefined);
  await session.connect();
});
test.after(async () => {
  await session?.end();
  await g?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `change` and waits for the reload it triggers. */
function reloadAfter(change: () => void): Promise<ReloadResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no reload within 30 s")), 30_000);
    g.engine.policy.once("reload", (result: ReloadResult) => {
      clearTimeout(timer);
      resolve(result);
    });
    change();
  });
}

async function attempt(sql: string): Promise<{ rows?: unknown[]; code?: string; message?: string }> {
  return session.query(sql).then(
    (r) => ({ rows: r.rows }),
    (e: pg.DatabaseError) => ({ code: e.code, message: e.message }),
  );
}

function revisionOf(sql: string, nth: "first" | "last"): string | undefined {
  const events = g.events.filter((e) => e.type === "decision" && e.request.text === sql);
  const event = nth === "first" ? events[0] : events[events.length - 1];
  return event?.type === "decision" ? event.verdict.revision : undefined;
}

const COUNT = "SELECT count(*)::int AS n FROM orders";

test("an open session is denied, without reconnecting, what a reloaded policy now denies", async () => {
  assert.equal((await attempt(COUNT)).rows, [{ n: 20 }]);
  const reloaded = await reloadAfter(() => writeFileSync(join(dir, "sql", "freeze.rego"), FREEZE));
  assert.equal(reloaded.ok, true, JSON.stringify(reloaded));
  const denied = await attempt(COUNT);
  assert.is(denied.code, "42501");
  assert.match(denied.message!, /orders are frozen while the test runs/);
  assert.is.not(revisionOf(COUNT, "last"), revisionOf(COUNT, "first"), "the denial names the new policy revision");
  // The rest of the policy is unchanged in the same session.
  assert.equal((await attempt("SELECT name FROM users WHERE id = 1")).rows, [{ name: "Ada" }]);
});

test("a data change reloads too: a function the data now lists is denied", async () => {
  assert.equal((await attempt("SELECT length(version()) > 0 AS ok")).rows, [{ ok: true }]);
  const data = JSON.parse(readFileSync(join(dir, "data.json"), "utf8")) as { settings: { server_side: { functions: string[] } } };
  data.settings.server_side.functions.push("version");
  const reloaded = await reloadAfter(() => writeFileSync(join(dir, "data.json"), JSON.stringify(data, null, 2)));
  assert.equal(reloaded.ok, true, JSON.stringify(reloaded));
  const denied = await attempt("SELECT length(version()) > 0 AS ok");
  assert.is(denied.code, "42501");
  assert.match(denied.message!, /function version/);
});

test("a statement run again after a reload is masked, and its columns typed, as the new policy says, though the server describes it the same", async () => {
  // Named: Parse once, then Bind, Describe and Execute each time, so the server sends the same RowDescription.
  const prepared = { name: "masked-lookup", text: "SELECT name, email, ssn, age FROM users WHERE id = $1", values: [1] };
  const simple = "SELECT name, email, ssn, age FROM users WHERE id = 1";
  const before = [{ name: "Ada", email: "****", ssn: "*******6789", age: 36 }];
  for (let i = 0; i < 3; i++) {
    assert.equal((await session.query(prepared)).rows, before);
    assert.equal((await attempt(simple)).rows, before);
  }
  const data = JSON.parse(readFileSync(join(dir, "data.json"), "utf8")) as { settings: { masking: { columns: unknown[] } } };
  data.settings.masking.columns = [
    { column: "public.users.ssn", strategy: "redact" },
    { column: "public.users.age", strategy: "redact" },
  ];
  const reloaded = await reloadAfter(() => writeFileSync(join(dir, "data.json"), JSON.stringify(data, null, 2)));
  assert.equal(reloaded.ok, true, JSON.stringify(reloaded));
  // age is now masked, so the client is told it is text: "****", not a number that failed to parse.
  const after = [{ name: "Ada", email: "ada@example.com", ssn: "****", age: "****" }];
  for (let i = 0; i < 2; i++) {
    assert.equal((await session.query(prepared)).rows, after);
    assert.equal((await attempt(simple)).rows, after);
  }
});

/** The masking columns of the policy's data, reloaded. */
async function maskColumns(columns: unknown[]): Promise<void> {
  const data = JSON.parse(readFileSync(join(dir, "data.json"), "utf8")) as { settings: { masking: { columns: unknown[] } } };
  data.settings.masking.columns = columns;
  const reloaded = await reloadAfter(() => writeFileSync(join(dir, "data.json"), JSON.stringify(data, null, 2)));
  assert.equal(reloaded.ok, true, JSON.stringify(reloaded));
}

test("a statement described once and executed after a reload that masks its columns differently gets the server's own error, and works once prepared again", async () => {
  await maskColumns([{ column: "public.users.age", strategy: "redact" }]);
  const wire = await wireLogin(g.gateway.port, { user: "alice", database: "demo", password: await g.token() });
  try {
    // As JDBC and asyncpg do: described once when prepared, then only bound and executed.
    const prepare = (): Promise<BackendMessage[]> =>
      wire.exchange(1, serialize.parse({ name: "lookup", text: "SELECT name, age FROM users WHERE id = $1", types: [] }), serialize.describe({ type: "S", name: "lookup" }), serialize.sync());
    const run = (): Promise<BackendMessage[]> => wire.exchange(1, serialize.bind({ statement: "lookup", values: ["1"] }), serialize.execute({}), serialize.sync());
    const ageType = (messages: BackendMessage[]): number => {
      const description = messages.find((m) => m.type === "T")!.body;
      // The field named "age": after its name, its table OID (4 bytes) and column number (2), its type OID.
      return description.readInt32BE(description.indexOf("age\0", 2) + 4 + 4 + 2);
    };
    const rowOf = (messages: BackendMessage[]): string[] => {
      const row = messages.find((m) => m.type === "D")!.body;
      const name = row.readInt32BE(2);
      return [row.toString("utf8", 6, 6 + name), row.toString("utf8", 6 + name + 4)];
    };
    const TEXT = 25;
    const INT4 = 23;
    assert.is(ageType(await prepare()), TEXT);
    assert.equal(rowOf(await run()), ["Ada", "****"]);

    await maskColumns([{ column: "public.users.email", strategy: "redact" }]);
    const refused = await run();
    assert.equal(errorsIn(refused).map((e) => [e.code, e.message]), [["0A000", "cached plan must not change result type"]]);
    assert.not.ok(refused.some((m) => m.type === "D"), "no row read by the old description");
    assert.is(refused.at(-1)!.body.toString("latin1"), "I", "the session goes on");

    await wire.exchange(1, serialize.close({ type: "S", name: "lookup" }), serialize.sync());
    assert.is(ageType(await prepare()), INT4);
    assert.equal(rowOf(await run()), ["Ada", "36"]);
  } finally {
    wire.destroy();
  }
});

test("a policy that does not build leaves the last good one serving open and new sessions", async () => {
  const good = g.engine.policy.status().revision;
  const reloaded = await reloadAfter(() => writeFileSync(join(dir, "sql", "freeze.rego"), `${FREEZE}\ndeny contains "broken" if {\n`));
  assert.is(reloaded.ok, false);
  assert.ok(g.engine.policy.status().lastError, "the failure is reported");
  assert.is(g.engine.policy.status().revision, good);
  const still = await attempt(COUNT);
  assert.is(still.code, "42501");
  assert.match(still.message!, /orders are frozen/);
  assert.equal((await attempt("SELECT 1 AS one")).rows, [{ one: 1 }]);
  const fresh = await psql(await g.env(), COUNT);
  assert.match(fresh.stderr, /orders are frozen/);
});

test("removing the rule lifts the denial in the same session", async () => {
  const reloaded = await reloadAfter(() => unlinkSync(join(dir, "sql", "freeze.rego")));
  assert.equal(reloaded.ok, true, JSON.stringify(reloaded));
  assert.equal((await attempt(COUNT)).rows, [{ n: 20 }]);
});

test.run();
