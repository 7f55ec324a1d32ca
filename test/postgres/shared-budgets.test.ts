import { test } from "uvu";
import * as assert from "uvu/assert";
import { setTimeout as sleep } from "node:timers/promises";
import { PostgresCounterStore } from "../../engine/limits/postgres-counter-store.js";
import { WindowCounters } from "../../engine/limits/window-counters.js";
import type { Identity } from "../../engine/policy/types.js";
import { Budgets } from "../../proxy/gate/budgets.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { run } from "../support/run.js";
import { clearOfWindowEnd } from "../support/windows.js";

/**
 * Two gateway instances sharing their limit counters through PostgreSQL: rows an agent read through
 * one are spent on the other within about a second, so switching instances buys no more rows.
 */
const AGENT: Identity = { subject: "review-agent", issuer: "https://ci.test", groups: ["ci"], kind: "service", claims: {} };
const ROWS = "SELECT g, u.name FROM generate_series(1, 1000) g JOIN users u ON u.id = 1";

let store: RunningPostgres;
let a: GatewayUnderTest;
let b: GatewayUnderTest;
let policy: { dir: string; remove(): void };

const budgets: Budgets[] = [];

async function sharedBudgets(): Promise<Budgets> {
  const shared = new Budgets(new WindowCounters(await PostgresCounterStore.open({ connectionString: store.url })));
  budgets.push(shared);
  return shared;
}

test.before(async () => {
  store = await startPostgres();
  policy = defaultPolicyWithSettings({ reads: { rows_per_statement: { service: 1000 }, rows_per_hour: { service: 2500 } } });
  a = await startGatewayUnderTest({ policyDir: policy.dir, budgets: await sharedBudgets() });
  b = await startGatewayUnderTest({ policyDir: policy.dir, budgets: await sharedBudgets() });
});
test.after(async () => {
  await a.stop();
  await b.stop();
  for (const shared of budgets) await shared.close();
  await store.stop();
  policy.remove();
});

test("rows read through one instance are spent on the other", async () => {
  await clearOfWindowEnd(3600, 20_000);
  const first = await run("psql", ["-X", "-A", "-t", "-c", ROWS, "-c", ROWS], await a.env(AGENT));
  assert.is(first.stdout.trim().split("\n").length, 2000, first.stderr);
  // Each instance syncs its counts every second.
  await sleep(2200);
  const elsewhere = await run("psql", ["-X", "-A", "-t", "-c", ROWS], await b.env(AGENT));
  assert.match(elsewhere.stderr, /cut this result off after 500 rows: the policy allows review-agent 2500 rows per hour \(budget "masked-tables"\), and that budget is spent/);
  await sleep(2200);
  const back = await run("psql", ["-X", "-A", "-t", "-c", ROWS], await a.env(AGENT));
  assert.match(back.stderr, /rows budget spent: at most 2500 rows per hour for review-agent \(budget "masked-tables"\); it resets in \d+ s/);
});

test.run();
