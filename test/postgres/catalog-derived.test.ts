import { test } from "uvu";
import * as assert from "uvu/assert";
import { ColumnCatalog } from "../../proxy/postgres/catalog.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";

/**
 * The masking guard's answer and a decision's resolved masks are kept per statement shape
 * (ColumnCatalog.derived) instead of being worked out from the catalog entries on every statement. A
 * kept answer must never be staler than the entries it was worked out from: it goes with the oldest of
 * them (a minute), with `invalidate()` (DDL through the gateway), and it is not kept at all when it
 * read a name the catalog did not find (which may be created at any moment), as those are not kept.
 */

let server: RunningPostgres;
let catalog: ColumnCatalog;
const realNow = Date.now;

test.before(async () => {
  server = await startPostgres({ users: [], initSql: "CREATE TABLE users (id int PRIMARY KEY, email text, ssn text);" });
  catalog = new ColumnCatalog({ type: "postgres", name: "derived", tags: {}, host: server.host, port: server.port, database: server.database, user: server.superuser, password: server.password, tls: "disable" });
});

test.after(async () => {
  Date.now = realNow;
  await catalog?.close();
  await server?.stop();
});

/** A derived answer counting how often it is worked out; it reads `columns` through the catalog. */
function counted(columns: string[]): { compute: () => Promise<number>; runs: () => number } {
  let runs = 0;
  return {
    compute: async () => {
      runs++;
      let found = 0;
      for (const column of columns) found += (await catalog.resolve(column)).length;
      return found;
    },
    runs: () => runs,
  };
}

test("an answer is worked out once while the entries it read are fresh, and again after invalidate()", async () => {
  const guard = counted(["public.users.email", "public.users.ssn"]);
  for (let i = 0; i < 5; i++) assert.is(await catalog.derived("k1", guard.compute), 2);
  assert.is(guard.runs(), 1);
  catalog.invalidate();
  assert.is(await catalog.derived("k1", guard.compute), 2);
  assert.is(guard.runs(), 2);
});

test("an answer expires with the oldest entry it read, not a minute after it was worked out", async () => {
  catalog.invalidate();
  await catalog.resolve("public.users.email");
  // Forty seconds later the other column is read for the first time, and the answer is worked out.
  Date.now = () => realNow() + 40_000;
  const guard = counted(["public.users.email", "public.users.ssn"]);
  await catalog.derived("k2", guard.compute);
  Date.now = () => realNow() + 59_000;
  await catalog.derived("k2", guard.compute);
  assert.is(guard.runs(), 1, "kept while the email entry (read at 0 s) is fresh");
  // At 61 s the email entry has expired; so has the answer, though it was worked out only 21 s ago.
  Date.now = () => realNow() + 61_000;
  await catalog.derived("k2", guard.compute);
  assert.is(guard.runs(), 2);
  Date.now = realNow;
});

test("an answer that read a name the catalog did not find is not kept, and sees the name once it exists", async () => {
  catalog.invalidate();
  const guard = counted(["public.users.email", "public.users.phone"]);
  assert.is(await catalog.derived("k3", guard.compute), 1);
  assert.is(await catalog.derived("k3", guard.compute), 1);
  assert.is(guard.runs(), 2);
  await catalog.rows("ALTER TABLE users ADD COLUMN phone text", []);
  assert.is(await catalog.derived("k3", guard.compute), 2);
});

test("an answer worked out across invalidate() is not kept", async () => {
  catalog.invalidate();
  let runs = 0;
  const compute = async (): Promise<number> => {
    runs++;
    const found = (await catalog.resolve("public.users.email")).length;
    catalog.invalidate();
    return found;
  };
  await catalog.derived("k4", compute);
  await catalog.derived("k4", compute);
  assert.is(runs, 2);
});

test.run();
