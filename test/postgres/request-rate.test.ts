import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";
import { run } from "../support/run.js";
import { clearOfWindowEnd } from "../support/windows.js";

/**
 * The decision's requests_per_minute, from the default policy's settings.rates, enforced by the
 * gateway against a real PostgreSQL server: statements past the budget are refused with the time
 * until it resets, and the session stays usable for nothing more until then.
 */
const CI: Identity = { subject: "ci-job", issuer: "https://ci.test", groups: ["ci"], kind: "service", claims: {} };
const BUDGET = 4;

let g: GatewayUnderTest;
let policy: { dir: string; remove(): void };

test.before(async () => {
  policy = defaultPolicyWithSettings({ rates: { requests_per_minute: { service: BUDGET } } });
  g = await startGatewayUnderTest({ policyDir: policy.dir });
});
test.after(async () => {
  await g.stop();
  policy.remove();
});

test("a service's statements over its per-minute budget are refused with the time until it resets; a person is not limited", async () => {
  // Budgets count in minutes aligned to the clock: the run must not straddle one's end.
  await clearOfWindowEnd(60);
  const statements = Array.from({ length: BUDGET + 2 }, (_, i) => ["-c", `SELECT ${i + 1} AS n`]).flat();
  const result = await run("psql", ["-X", "-A", "-t", "-q", ...statements], await g.env(CI));
  const answered = result.stdout.trim().split("\n");
  assert.equal(answered, ["1", "2", "3", "4"], result.stderr);
  const refusals = result.stderr.trim().split("\n").filter((line) => line.startsWith("ERROR:"));
  assert.is(refusals.length, 2, result.stderr);
  assert.match(refusals[0]!, /rate limit: at most 4 requests per minute for ci-job on demo; the budget resets in \d+ s/);

  const person = await run("psql", ["-X", "-A", "-t", "-q", ...statements], await g.env());
  assert.equal(person.stdout.trim().split("\n"), ["1", "2", "3", "4", "5", "6"], person.stderr);
  const refused = g.events.filter((e) => e.type === "decision" && e.verdict.effect === "deny" && e.verdict.decision.reasons[0]?.startsWith("rate limit"));
  assert.is(refused.length, 2, "each refusal is audited as a denial");
});

test.run();
