import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUILTIN_OPERATORS, BUILTIN_TYPES, NON_VOLATILE_BUILTINS } from "../../../engine/actions/sql/volatility.js";
import { startPostgres, type RunningPostgres } from "../../support/postgres.js";

// Without the target's catalog the analyzer takes every function as volatile except a built-in list
// of names: the real server's pg_proc is the oracle for that list. Every name must exist there, and
// every overload of it must be immutable or stable, or a value could leave through one unnoticed.

let pg: RunningPostgres;

test.before(async () => {
  pg = await startPostgres({});
});
test.after(async () => {
  await pg?.stop();
});

test("every name on the built-in list has only immutable or stable overloads in pg_proc", async () => {
  const names = [...NON_VOLATILE_BUILTINS];
  const r = await pg.query<{ proname: string; volatility: string }>(
    "SELECT proname, string_agg(DISTINCT provolatile::text, '') AS volatility FROM pg_proc WHERE proname = ANY($1) GROUP BY proname",
    [names],
  );
  const found = new Map(r.rows.map((row) => [row.proname, row.volatility]));
  const missing = names.filter((n) => !found.has(n));
  assert.equal(missing, [], `not functions in pg_proc: ${missing.join(", ")}`);
  const volatile = [...found].filter(([, v]) => v.includes("v")).map(([n]) => n);
  assert.equal(volatile, [], `volatile overloads: ${volatile.join(", ")}`);
});

test("every built-in operator and type name is one pg_catalog defines", async () => {
  const operators = await pg.query<{ oprname: string }>(
    "SELECT DISTINCT oprname FROM pg_operator WHERE oprnamespace = 'pg_catalog'::regnamespace AND oprname = ANY($1)",
    [[...BUILTIN_OPERATORS]],
  );
  const knownOperators = new Set(operators.rows.map((r) => r.oprname));
  assert.equal([...BUILTIN_OPERATORS].filter((o) => !knownOperators.has(o)), []);
  const types = await pg.query<{ typname: string }>(
    "SELECT typname FROM pg_type WHERE typnamespace = 'pg_catalog'::regnamespace AND typname = ANY($1)",
    [[...BUILTIN_TYPES]],
  );
  const knownTypes = new Set(types.rows.map((r) => r.typname));
  assert.equal([...BUILTIN_TYPES].filter((t) => !knownTypes.has(t)), []);
});

test("the side-effect functions the analyzer knows are volatile in pg_proc", async () => {
  const r = await pg.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM pg_proc WHERE proname = ANY($1) AND provolatile <> 'v'",
    [["pg_notify", "lo_from_bytea", "lo_put", "lo_create", "lo_import", "lo_unlink", "lowrite", "setval", "nextval", "set_config", "pg_advisory_lock"]],
  );
  assert.is(r.rows[0]!.n, "0");
});

test.run();
