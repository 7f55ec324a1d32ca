import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decide, loadNormalizers, PolicyService, type ReloadResult } from "../../engine/index.js";
import { contentRevision, policyRevision } from "../../engine/policy/revision.js";
import { policyDir, SELECT_ONLY } from "../support/policy-dir.js";
import { sqlRequest } from "../support/requests.js";

const ALLOW_ALL = `package portcullis\n\ndecision := {"allow": true, "reasons": ["v2"]}\n`;
const PASSING_TEST = `package portcullis_test\n\nimport data.portcullis\n\ntest_select_allowed if portcullis.decision.allow with input as {"action": {"kind": "sql", "statements": [{"command": "SELECT"}]}}\n`;

test.before(async () => {
  await loadNormalizers();
});

test("an edit is picked up by the watcher and swapped in; a broken edit keeps the last good policy", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY });
  const service = await PolicyService.start({ dir: p.dir, watch: true, debounceMs: 50 });
  try {
    const first = service.current.revision;
    assert.is(decide(service.current, sqlRequest("DELETE FROM t WHERE id = 1")).effect, "deny");

    let reloaded = once(service, "reload");
    p.write("policy.rego", ALLOW_ALL);
    let [result] = (await reloaded) as [ReloadResult];
    assert.ok(result.ok, JSON.stringify(result));
    assert.is.not(service.current.revision, first);
    assert.equal(decide(service.current, sqlRequest("DELETE FROM t WHERE id = 1")).decision.reasons, ["v2"]);
    const good = service.current.revision;

    reloaded = once(service, "reload");
    p.write("policy.rego", "package portcullis\n\ndecision := {\n");
    [result] = (await reloaded) as [ReloadResult];
    assert.is(result.ok, false);
    assert.is(service.current.revision, good, "the last good policy keeps serving");
    assert.equal(decide(service.current, sqlRequest("SELECT 1")).decision.reasons, ["v2"]);
    const status = service.status();
    assert.match(status.lastError ?? "", /policy build failed/);
    assert.match(status.lastError ?? "", /policy\.rego:\d+/);

    reloaded = once(service, "reload");
    p.write("policy.rego", SELECT_ONLY);
    [result] = (await reloaded) as [ReloadResult];
    assert.ok(result.ok);
    assert.is(service.status().lastError, null, "a good reload clears the error");
    assert.is(decide(service.current, sqlRequest("DELETE FROM t WHERE id = 1")).effect, "deny");
  } finally {
    await service.close();
    p.remove();
  }
});

test("a burst of writes is debounced into few rebuilds, and the final content wins", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY });
  const service = await PolicyService.start({ dir: p.dir, watch: true, debounceMs: 100 });
  const results: ReloadResult[] = [];
  service.on("reload", (r: ReloadResult) => results.push(r));
  try {
    for (let i = 0; i < 10; i++) p.write("policy.rego", `package portcullis\n\ndecision := {"allow": true, "reasons": ["burst ${i}"]}\n`);
    await once(service, "reload");
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(results.length <= 2, `expected at most 2 rebuilds, got ${results.length}`);
    assert.equal(decide(service.current, sqlRequest("SELECT 1")).decision.reasons, ["burst 9"]);
  } finally {
    await service.close();
    p.remove();
  }
});

test("evaluations running during reloads always see one whole policy", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY });
  const service = await PolicyService.start({ dir: p.dir });
  try {
    const seen = new Set<string>();
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const v = decide(service.current, sqlRequest("SELECT 1"));
        seen.add(`${v.effect}:${v.decision.reasons.join(",")}`);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 4; i++) {
      p.write("policy.rego", i % 2 === 0 ? ALLOW_ALL : SELECT_ONLY);
      const r = await service.reload();
      assert.ok(r.ok);
    }
    stop = true;
    await loop;
    assert.equal([...seen].sort(), ["allow:", "allow:v2"], "only the two whole policies' answers, never a deny");
  } finally {
    await service.close();
    p.remove();
  }
});

test("with runTests, a policy whose own tests fail never replaces the serving one", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY, "policy_test.rego": PASSING_TEST });
  const service = await PolicyService.start({ dir: p.dir, runTests: true });
  try {
    const good = service.current.revision;
    p.write("policy.rego", `package portcullis\n\ndecision := {"allow": false, "reasons": ["broken on purpose"]}\n`);
    const r = await service.reload();
    assert.is(r.ok, false);
    assert.match(r.ok ? "" : r.error, /policy tests failed/);
    assert.match(r.ok ? "" : r.error, /test_select_allowed/);
    assert.is(service.current.revision, good);
  } finally {
    await service.close();
    p.remove();
  }
});

test("starting on a policy that does not build fails with the reason", async () => {
  const p = policyDir({ "policy.rego": "package portcullis\n\ndecision := \n" });
  try {
    await PolicyService.start({ dir: p.dir });
    assert.unreachable("start should fail");
  } catch (error) {
    assert.match(String((error as Error).message), /policy build failed/);
  } finally {
    p.remove();
  }
});

test("the revision is the git commit of a clean policy directory, else a content hash", async () => {
  const p = policyDir({ "policy.rego": SELECT_ONLY });
  try {
    const hashed = await policyRevision(p.dir);
    assert.match(hashed, /^sha256:[0-9a-f]{16}$/);
    assert.is(hashed, contentRevision(p.dir), "same content, same revision");
    const git = (...args: string[]): string => execFileSync("git", ["-C", p.dir, ...args], { encoding: "utf8" }).trim();
    git("init", "-q");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "policy");
    assert.is(await policyRevision(p.dir), `git:${git("rev-parse", "HEAD")}`);
    p.write("policy.rego", ALLOW_ALL);
    const dirty = await policyRevision(p.dir);
    assert.match(dirty, /^sha256:/, "uncommitted edits are not described by the commit");
    assert.is.not(dirty, hashed);
  } finally {
    p.remove();
  }
});

test.run();
