import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadCases } from "../../conformance/runner/index.js";
import type { TargetFacts } from "../../engine/actions/index.js";
import { CatalogIndex, sqlActionCache } from "../../engine/actions/sql/index.js";
import { canonicalJson } from "../../engine/audit/canonical-json.js";
import { decide, type DecisionRequest, type Verdict } from "../../engine/decide.js";
import { Engine } from "../../engine/engine.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { decisionCacheOf, decisionCaching } from "../../engine/policy/decision-cache.js";
import type { PolicyEvaluator } from "../../engine/policy/evaluator.js";
import type { Identity, SessionInfo, Target } from "../../engine/policy/types.js";
import { ALICE, PII_READER } from "../support/pg-gateway.js";
import { generateCorpus } from "./cache-corpus.js";
import { ATTEMPTS } from "./masking-bypass-attempts.js";

/**
 * The caches (SQL action documents by fingerprint, decisions by input) must never change a decision:
 * every request is decided with them off and on, and the two verdicts (effect, decision, action
 * document) must be identical. The caches stay warm across requests, so later requests of a shape are
 * answered from them. Run over the conformance corpus, the masking-bypass attempts and a generated
 * corpus of 100,000 statements built to fool a literal-stripping scanner. Then a policy reload must
 * empty both caches before the next statement is decided.
 */

const CORPUS_SIZE = 100_000;

/** The demo database's tables and the bypass test's server objects, as the catalog snapshot would read them. */
const CATALOG = new CatalogIndex({
  relations: [
    { schema: "public", name: "users", kind: "table", columns: ["id", "name", "email", "ssn", "age"] },
    { schema: "public", name: "orders", kind: "table", columns: ["id", "user_id", "amount", "note"] },
    { schema: "public", name: "scratch", kind: "table", columns: ["id", "note"] },
    { schema: "public", name: "vip_users", kind: "table", columns: ["id", "name", "email", "ssn", "age"] },
    { schema: "public", name: "pgbench_accounts", kind: "table", columns: ["aid", "bid", "abalance", "filler"] },
    { schema: "public", name: "contacts", kind: "view", columns: ["id", "email"] },
    { schema: "public", name: "profiles", kind: "view", columns: ["id", "name"] },
    { schema: "public", name: "ssn_cache", kind: "materialized view", columns: ["id", "ssn"] },
    { schema: "pg_catalog", name: "pg_class", kind: "table", columns: ["oid", "relname", "relnamespace", "relkind"] },
    { schema: "pg_catalog", name: "pg_authid", kind: "table", columns: ["oid", "rolname", "rolpassword"] },
  ],
  functions: [
    { schema: "pg_catalog", name: "lower", volatility: "immutable" },
    { schema: "pg_catalog", name: "set_config", volatility: "volatile" },
    { schema: "public", name: "all_users", volatility: "stable" },
    { schema: "public", name: "first_email", volatility: "stable" },
  ],
  searchPath: ["pg_catalog", "public"],
});

const TARGET: Target = { name: "demo", type: "postgres", tags: { env: "prod" } };
const SESSIONS: SessionInfo[] = [1, 2].map((n) => ({ id: `session-${n}`, protocol: "postgres", client_addr: "127.0.0.1:5000", started_at: "2026-12-05T00:00:00.000Z" }));
const IDENTITIES: Identity[] = [ALICE, PII_READER];
/** The facts a gateway may decide with: a certain snapshot, a session whose search path diverged (a new object each time), none, an older server. */
const FACTS: Array<() => TargetFacts> = [() => ({ catalog: CATALOG }), () => ({ catalog: CATALOG.uncertainSearchPath() }), () => ({}), () => ({ catalog: CATALOG, serverMajor: 15 })];

let engine: Engine;
let evaluator: PolicyEvaluator;

test.before(async () => {
  engine = await Engine.start({ dir: defaultPolicyDir });
  evaluator = engine.policy.current;
});
test.after(async () => {
  sqlActionCache.enabled = true;
  decisionCaching.enabled = true;
  await engine.close();
});

/** The verdict as canonical JSON: what it says, whatever order its objects list their keys in. */
function decided(verdict: Verdict): string {
  return canonicalJson({ effect: verdict.effect, decision: verdict.decision, action: verdict.action });
}

function decideWith(caches: boolean, request: DecisionRequest): string {
  sqlActionCache.enabled = caches;
  decisionCaching.enabled = caches;
  try {
    return decided(decide(evaluator, request));
  } finally {
    sqlActionCache.enabled = true;
    decisionCaching.enabled = true;
  }
}

/** Decides `request` without caches, then with them (warm from every request before); returns a difference or undefined. */
function difference(label: string, request: DecisionRequest): string | undefined {
  const without = decideWith(false, request);
  const withCaches = decideWith(true, request);
  return without === withCaches ? undefined : `${label}\n  uncached: ${without}\n  cached:   ${withCaches}`;
}

function assertNone(differences: string[], what: string): void {
  assert.is(differences.length, 0, `${differences.length} of ${what} were decided differently with the caches:\n${differences.slice(0, 5).join("\n")}`);
}

test("the conformance corpus is decided the same with the caches on and off, twice over", async () => {
  const cases = await loadCases([fileURLToPath(new URL("../../../conformance", import.meta.url))]);
  assert.ok(cases.length > 100, `only ${cases.length} conformance cases found`);
  const differences: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const c of cases) {
      const found = difference(`${c.origin} ${c.name}`, c.request);
      if (found) differences.push(found);
      // The same request with the snapshot the gateway would pass, when it is SQL.
      if (c.request.request.kind === "sql") {
        const withCatalog = difference(`${c.origin} ${c.name} (catalog)`, { ...c.request, facts: { catalog: CATALOG } });
        if (withCatalog) differences.push(withCatalog);
      }
    }
  }
  assertNone(differences, `${cases.length} conformance cases`);
});

test("the masking-bypass attempts are decided the same with the caches on and off", () => {
  const differences: string[] = [];
  for (let round = 0; round < 2; round++) {
    for (const a of ATTEMPTS) {
      for (const identity of IDENTITIES) {
        for (const facts of FACTS) {
          const found = difference(a.name, { identity, session: SESSIONS[0]!, target: TARGET, request: { kind: "sql", text: a.sql }, facts: facts() });
          if (found) differences.push(found);
        }
      }
    }
  }
  assertNone(differences, `${ATTEMPTS.length} masking-bypass attempts`);
});

test(`a generated corpus of ${CORPUS_SIZE.toLocaleString("en-US")} statements is decided the same with the caches on and off`, () => {
  const before = { ...sqlActionCache.stats };
  const decisions = decisionCacheOf(evaluator);
  assert.ok(decisions, "the default policy is decision-cached");
  const decisionHits = decisions.hits;
  const differences: string[] = [];
  generateCorpus(CORPUS_SIZE).forEach((text, i) => {
    const request: DecisionRequest = { identity: IDENTITIES[i % 2]!, session: SESSIONS[(i >> 1) % 2]!, target: TARGET, request: { kind: "sql", text }, facts: FACTS[(i >> 2) % FACTS.length]!() };
    const found = difference(`#${i} ${JSON.stringify(text)}`, request);
    if (found) differences.push(found);
  });
  assertNone(differences, `${CORPUS_SIZE} generated statements`);
  // The comparison means something only if the caches answered much of it.
  const hits = sqlActionCache.stats.hits - before.hits;
  assert.ok(hits > CORPUS_SIZE / 4, `only ${hits} action-cache hits`);
  assert.ok(decisions.hits - decisionHits > 0, "no decision-cache hits");
});

const FREEZE = `package portcullis.sql

deny contains "orders are frozen while the test runs" if {
	some statement in input.action.statements
	some table in statement.tables
	table.name == "orders"
}
`;

test("a policy reload empties both caches before the next statement is decided", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-cache-reload-"));
  const policies = join(dir, "policies");
  cpSync(defaultPolicyDir, policies, { recursive: true });
  const reloading = await Engine.start({ dir: policies });
  try {
    const ask = (id: number): Verdict => reloading.decide({ identity: ALICE, session: SESSIONS[0]!, target: TARGET, request: { kind: "sql", text: `SELECT amount FROM orders WHERE id = ${id}` }, facts: { catalog: CATALOG } });
    assert.is(ask(1).effect, "allow");
    assert.is(ask(1).effect, "allow");
    const first = decisionCacheOf(reloading.policy.current)!;
    assert.is(first.hits, 1, "the repeated statement was answered from the decision cache");
    const hitsBefore = sqlActionCache.stats.hits;
    assert.is(ask(2).effect, "allow");
    assert.is(sqlActionCache.stats.hits, hitsBefore + 1, "the same shape was answered from the action cache");

    writeFileSync(join(policies, "sql", "freeze.rego"), FREEZE);
    const reload = await reloading.policy.reload();
    assert.ok(reload.ok, JSON.stringify(reload));
    const misses = sqlActionCache.stats.misses;
    const after = ask(1);
    assert.is(after.effect, "deny", "the reloaded policy decided, not a cached decision");
    assert.is(sqlActionCache.stats.misses, misses + 1, "the action cache was emptied by the reload");
    const second = decisionCacheOf(reloading.policy.current)!;
    assert.is.not(second, first);
    assert.equal([second.hits, second.misses], [0, 1], "the new policy's decision cache started empty");
  } finally {
    await reloading.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
