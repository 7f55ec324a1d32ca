import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Engine } from "../../engine/engine.js";
import { policyDir, SELECT_ONLY } from "../support/policy-dir.js";
import { sqlRequest } from "../support/requests.js";

/**
 * Large requests are decided on a worker thread: the verdict must be the one the event loop would give,
 * with the current policy (also after a reload), and a worker that cannot answer in time denies.
 */

const BIG_SELECT = `SELECT ${Array.from({ length: 5_000 }, (_, i) => `${i} AS c${i}`).join(", ")}`;
const BIG_DELETE = `${BIG_SELECT}; DELETE FROM orders WHERE id = 1`;

test("a large request gets the same verdict on a worker as on the event loop, with the policy as it is now", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY });
  const engine = await Engine.start({ dir: p.dir, watch: false, offload: { inlineMaxChars: 1024, workers: 1 } });
  try {
    for (const sql of [BIG_SELECT, BIG_DELETE]) {
      const inline = engine.decide(sqlRequest(sql));
      const offloaded = await engine.decideAsync(sqlRequest(sql));
      assert.is(offloaded.effect, inline.effect, sql.slice(-40));
      assert.equal(offloaded.decision, inline.decision);
      assert.equal(offloaded.action, inline.action);
    }
    assert.is((await engine.decideAsync(sqlRequest(BIG_DELETE))).effect, "deny");
    // After a reload the worker decides with the new policy, not the one it loaded first.
    writeFileSync(join(p.dir, "policy.rego"), "package portcullis\n\ndecision := {\"allow\": true, \"reasons\": []}\n");
    await engine.policy.reload();
    const after = await engine.decideAsync(sqlRequest(BIG_DELETE));
    assert.is(after.effect, "allow");
    assert.is(after.revision, engine.policy.current.revision);
  } finally {
    await engine.close();
    p.remove();
  }
});

test("large requests sent together while the worker loads the policy are all decided, none refused", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY });
  const engine = await Engine.start({ dir: p.dir, watch: false, offload: { inlineMaxChars: 1024, workers: 1 } });
  try {
    const verdicts = await Promise.all(Array.from({ length: 12 }, () => engine.decideAsync(sqlRequest(BIG_SELECT))));
    assert.equal(
      verdicts.map((v) => v.effect),
      verdicts.map(() => "allow"),
      verdicts.map((v) => v.decision.reasons.join("; ")).join(" | "),
    );
  } finally {
    await engine.close();
    p.remove();
  }
});

test("a worker that does not answer in time: the request is denied as unanalysable, and the next one is decided", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY });
  const engine = await Engine.start({ dir: p.dir, watch: false, offload: { inlineMaxChars: 1024, workers: 1, timeoutMs: 1 } });
  try {
    const verdict = await engine.decideAsync(sqlRequest(`${BIG_SELECT}, ${BIG_SELECT.slice(7)}`));
    assert.is(verdict.effect, "deny");
    assert.match(verdict.action.kind === "sql" ? (verdict.action.parse_error?.message ?? "") : "", /could not be analysed: the analysis took longer than 1 ms/);
    assert.is(engine.decide(sqlRequest("SELECT 1")).effect, "allow", "small requests are decided meanwhile");
  } finally {
    await engine.close();
    p.remove();
  }
});

test.run();
