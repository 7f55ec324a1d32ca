import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { PSYCOPG_SCRIPTS } from "../support/psycopg/scripts.js";
import { run } from "../support/run.js";

/**
 * psycopg 3 and psycopg2 behave the same directly and through the gateway: each script runs against
 * PostgreSQL as the role the gateway logs in with, then through the gateway as alice, and both print
 * the same outcome. A statement refused by the server (directly) and by the policy (through the
 * gateway) must leave the same transaction state; a statement that does not parse, prepared-statement
 * names after DEALLOCATE, and a backend ended by an operator must look the same to the driver.
 */

// Debian's interpreter: its python3-psycopg packages are not on another python3's path.
const PYTHON = "/usr/bin/python3";

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

async function outcome(script: string, side: "direct" | "gateway"): Promise<unknown> {
  const admin = `host=${g.pg.host} port=${g.pg.port} user=${g.pg.superuser} password=${g.pg.password} dbname=${g.pg.database} sslmode=disable`;
  const env =
    side === "gateway"
      ? await g.env()
      : { ...process.env, PGHOST: g.pg.host, PGPORT: String(g.pg.port), PGUSER: g.target.user, PGPASSWORD: g.target.password, PGDATABASE: g.pg.database, PGSSLMODE: "disable" };
  const r = await run(PYTHON, ["-c", script], { ...env, ADMIN_DSN: admin }, undefined, 30_000);
  assert.is(r.code, 0, `${side}: the script failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("Debian's psycopg 3 and psycopg2 are installed (scripts/setup.sh)", async () => {
  const r = await run(PYTHON, ["-c", "import psycopg, psycopg2; print(psycopg.__version__, psycopg2.__version__)"], process.env);
  assert.is(r.code, 0, r.stderr);
});

/** Every `by` field (who refused), removed for the comparison and returned. */
function takeBy(value: unknown, found: string[] = []): string[] {
  if (typeof value !== "object" || value === null) return found;
  const record = value as Record<string, unknown>;
  if (typeof record.by === "string") found.push(record.by);
  delete record.by;
  for (const child of Object.values(record)) takeBy(child, found);
  return found;
}

for (const [name, script] of Object.entries(PSYCOPG_SCRIPTS)) {
  test(name, async () => {
    const direct = await outcome(script, "direct");
    const gateway = await outcome(script, "gateway");
    const [directBy, gatewayBy] = [takeBy(direct), takeBy(gateway)];
    assert.equal(gateway, direct);
    // The refusal is the policy's through the gateway, the server's directly: the same path is not
    // merely forwarded to the same server error.
    if (name.includes("refused")) {
      assert.equal([directBy[0], gatewayBy[0]], ["server", "Portcullis"]);
    }
  });
}

test.run();
