import { randomInt } from "node:crypto";
import { Rng } from "../policy/rng.js";
import { PII_READER } from "../../test/support/pg-gateway.js";
import { describeTally, LeakFuzzer } from "../../test/support/leaks/leak-fuzzer.js";
import { generatePositions, type GeneratedQuery } from "../../test/support/leaks/positions.js";
import { sqlsmithAvailable, sqlsmithQueries } from "../../test/support/leaks/sqlsmith.js";

/**
 * The leak fuzzer's large run: random queries (SQLsmith's and the position generator's, half each)
 * through the real gateway as a masked identity, with canaries in the masked columns. Prints how many
 * were tried and how many leaked, with every leaking query; exits 1 when any leaked.
 *
 *   npm run fuzz:leaks -- [--count N] [--seconds S] [--seed N] [--sqlsmith-share 0.5]
 * The run stops at N queries or after S seconds, whichever comes first (defaults 5000 and 600).
 */

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[`LEAK_FUZZ_${name.toUpperCase().replaceAll("-", "_")}`];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
}

const count = option("count", 5000);
const seconds = option("seconds", 600);
const seed = option("seed", randomInt(2 ** 31));
const sqlsmithShare = option("sqlsmith-share", 0.5);

const fuzzer = await LeakFuzzer.start(seed);
// `--as-reader`: run as a member of pii-readers, who sees the values: nearly every query must "leak",
// which shows the queries run and the search finds what they return.
if (process.argv.includes("--as-reader")) fuzzer.runAs(PII_READER);
const deadline = Date.now() + seconds * 1000;
let exitCode = 0;
try {
  const useSqlsmith = sqlsmithShare > 0 && (await sqlsmithAvailable());
  if (!useSqlsmith && sqlsmithShare > 0) console.log("sqlsmith is not installed (scripts/setup.sh installs it): generated queries only");
  const fromSqlsmith = useSqlsmith ? Math.round(count * sqlsmithShare) : 0;
  const smith = fromSqlsmith > 0 ? await sqlsmithQueries(fuzzer.gateway.pg, seed, fromSqlsmith) : [];
  const generated = generatePositions(new Rng(seed), count - smith.length);
  // Interleaved, so a run cut short by its duration still has both kinds.
  const corpus: GeneratedQuery[] = [];
  for (let i = 0; i < Math.max(smith.length, generated.length); i++) {
    if (generated[i]) corpus.push(generated[i]!);
    if (smith[i]) corpus.push(smith[i]!);
  }
  console.log(`seed ${seed}: ${corpus.length} queries (${smith.length} from sqlsmith), at most ${seconds} s`);
  const started = Date.now();
  for (const [i, query] of corpus.entries()) {
    if (Date.now() > deadline) break;
    await fuzzer.run(query);
    if ((i + 1) % 500 === 0) console.log(`  ${i + 1} tried, ${fuzzer.tally.leaks.length} leaked, ${((Date.now() - started) / (i + 1)).toFixed(1)} ms per query`);
  }
  const stored = await fuzzer.storedValues();
  if (!stored.every((v, i) => v === fuzzer.canaries[i]?.value)) throw new Error("the canaries were not in place at the end of the run");
  console.log(describeTally(fuzzer.tally));
  console.log("by position (tried / answered / leaked):");
  for (const [position, p] of [...fuzzer.tally.positions].sort()) {
    const error = fuzzer.tally.firstErrors.get(position);
    console.log(`  ${position}: ${p.tried} / ${p.answered} / ${p.leaked}${error && p.answered < p.tried ? `   (first refusal: ${error.slice(0, 160)})` : ""}`);
  }
  if (fuzzer.tally.leaks.length > 0) exitCode = 1;
} finally {
  await fuzzer.stop();
}
process.exit(exitCode);
