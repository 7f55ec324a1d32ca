import { test } from "uvu";
import * as assert from "uvu/assert";
import { Rng } from "../../bench/policy/rng.js";
import { ALICE, PII_READER } from "../support/pg-gateway.js";
import { describeTally, LeakFuzzer } from "../support/leaks/leak-fuzzer.js";
import { generatePositions, POSITION_NAMES, transformChecks } from "../support/leaks/positions.js";
import { sqlsmithAvailable, sqlsmithQueries } from "../support/leaks/sqlsmith.js";

/**
 * The leak fuzzer's fixed sample (`npm run fuzz:leaks` runs a large random corpus): queries from the
 * position generator (a masked column in every syntactic position, under transformations that keep a
 * trace of it) and from SQLsmith, through the real gateway as alice, with canaries in the masked
 * columns. Any trace of a canary in any byte alice's client received, or copied by her queries into a
 * column that is not masked, fails the test. The same search
 * first has to find the canaries when a pii-reader runs the same kind of queries, so a search that
 * finds nothing, or queries that never run, cannot pass for safety.
 */

const SEED = 20261205;
let fuzzer: LeakFuzzer;

test.before(async () => {
  fuzzer = await LeakFuzzer.start(SEED);
});
test.after(async () => {
  await fuzzer?.stop();
});

test("the search finds the values when the identity may read them (a pii-reader)", async () => {
  fuzzer.runAs(PII_READER);
  for (const q of generatePositions(new Rng(SEED + 1), POSITION_NAMES.length)) await fuzzer.run(q);
  const positions = fuzzer.tally;
  const leakedPositions = [...positions.positions.values()].filter((p) => p.leaked > 0).length;
  // Some positions cannot show the value (EXPLAIN, a RETURNING of no rows, a transformation that
  // makes the query invalid), the rest must.
  assert.ok(leakedPositions >= POSITION_NAMES.length * 0.7, `only ${leakedPositions} of ${POSITION_NAMES.length} positions showed the reader a canary:\n${describeTally(positions)}`);
  // A value the reader copied into an unmasked column is found there too.
  assert.ok(positions.leaks.some((l) => l.excerpt.startsWith("copied into")), "no copy into an unmasked column was found");
  fuzzer.resetTally();
  const checks = transformChecks();
  for (const q of checks) await fuzzer.run(q);
  const t = fuzzer.tally;
  // A few transformations keep less of the core than the search needs (the last characters of an email).
  assert.ok(t.leaks.length >= checks.length * 0.9, `only ${t.leaks.length} of ${checks.length} transformations were recognised:\n${describeTally(t)}`);
  const hows = new Set(t.leaks.map((l) => l.trace.how.split(" ")[0]));
  for (const how of ["substring", "reversed", "md5", "sha256", "hex", "base64"]) assert.ok(hows.has(how), `no trace found as ${how}: ${[...hows].join(", ")}`);
});

test("no canary reaches alice from a fixed sample of generated and SQLsmith queries", async () => {
  fuzzer.runAs(ALICE);
  assert.ok(await sqlsmithAvailable(), "sqlsmith is not installed (scripts/setup.sh installs it)");
  const generated = generatePositions(new Rng(SEED), 2 * POSITION_NAMES.length, 10_000);
  const smith = await sqlsmithQueries(fuzzer.gateway.pg, SEED, 150);
  fuzzer.resetTally();
  for (const q of [...generated, ...smith]) await fuzzer.run(q);
  const t = fuzzer.tally;
  console.log(`leak fuzzer sample: ${describeTally(t).split("\n")[0]}`);
  assert.ok(t.tried >= generated.length + smith.length && smith.length >= 100, `too few queries: ${t.tried}`);
  assert.ok(t.outcomes.answered > 0, "the gateway answered nothing: the sample tests nothing");
  assert.is(t.leaks.length, 0, describeTally(t));
  assert.equal(await fuzzer.storedValues(), fuzzer.canaries.map((c) => c.value), "the canaries were not in place at the end");
});

test.run();
