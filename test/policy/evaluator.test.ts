import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildBundle, decide, loadNormalizers, PolicyEvaluator, PortcullisError } from "../../engine/index.js";
import { bundleOfFiles, policyDir, SELECT_ONLY } from "../support/policy-dir.js";
import { sqlRequest } from "../support/requests.js";

async function evaluatorFor(rego: string, data?: object): Promise<PolicyEvaluator> {
  const files: Record<string, string> = { "policy.rego": rego };
  if (data) files["data.json"] = JSON.stringify(data);
  return PolicyEvaluator.load(await bundleOfFiles(files, "test-rev"));
}

test.before(async () => {
  await loadNormalizers();
});

test("a valid policy decides and the decision carries the bundle revision", async () => {
  const evaluator = await evaluatorFor(SELECT_ONLY);
  const allowed = decide(evaluator, sqlRequest("SELECT 1"));
  assert.is(allowed.effect, "allow");
  assert.equal(allowed.decision, { allow: true, reasons: [], policy_revision: "test-rev" });
  const denied = decide(evaluator, sqlRequest("SELECT 1; DELETE FROM orders WHERE id = 1"));
  assert.is(denied.effect, "deny");
  assert.equal(denied.decision.reasons, ["DELETE is not allowed"]);
  assert.is(denied.action.kind === "sql" ? denied.action.statements.length : -1, 2);
});

test("an undefined decision is a deny with a reason", async () => {
  const evaluator = await evaluatorFor(`package portcullis\n\ndecision := {"allow": true, "reasons": []} if input.nothing\n`);
  const v = decide(evaluator, sqlRequest("SELECT 1"));
  assert.is(v.effect, "deny");
  assert.equal(v.decision.reasons, ["policy returned no decision"]);
});

test("a decision that does not match schemas/decision.json is a deny", async () => {
  const evaluator = await evaluatorFor(`package portcullis\n\ndecision := {"allow": "yes", "reasons": []}\n`);
  const v = decide(evaluator, sqlRequest("SELECT 1"));
  assert.is(v.effect, "deny");
  assert.match(v.decision.reasons[0]!, /^policy returned an invalid decision: \/allow must be boolean/);
});

test("extra fields and malformed masks are invalid decisions too", async () => {
  const evaluator = await evaluatorFor(`package portcullis\n\ndecision := {"allow": true, "reasons": [], "mask": [{"column": "public.users.email", "strategy": "scramble"}]}\n`);
  const v = decide(evaluator, sqlRequest("SELECT email FROM users"));
  assert.is(v.effect, "deny");
  assert.match(v.decision.reasons[0]!, /invalid decision/);
});

test("a builtin error at run time (WASM turns it into undefined) is a deny", async () => {
  const evaluator = await evaluatorFor(`package portcullis\n\ndecision := {"allow": to_number(input.target.name) > 0, "reasons": []}\n`);
  const v = decide(evaluator, sqlRequest("SELECT 1"));
  assert.is(v.effect, "deny");
  assert.equal(v.decision.reasons, ["policy returned no decision"]);
});

test("an input that does not match schemas/input.json is denied before evaluation", async () => {
  const evaluator = await evaluatorFor(`package portcullis\n\ndecision := {"allow": true, "reasons": []}\n`);
  const request = sqlRequest("SELECT 1");
  const bad = { ...request, identity: { ...request.identity, kind: "robot" as "human" } };
  const v = decide(evaluator, bad);
  assert.is(v.effect, "deny");
  assert.match(v.decision.reasons[0]!, /^invalid policy input: \/identity\/kind/);
  assert.is(evaluator.evaluate(undefined).allow, false);
  assert.is(evaluator.evaluate(null).allow, false);
  assert.is(evaluator.evaluate({}).allow, false);
});

test("policy data reaches the WASM through the bundle's data.json", async () => {
  const rego = `package portcullis\n\ndecision := {"allow": input.target.name in data.settings.targets, "reasons": []}\n`;
  const evaluator = await evaluatorFor(rego, { settings: { targets: ["prod-db"] } });
  assert.is(decide(evaluator, sqlRequest("SELECT 1")).effect, "allow");
  const other = sqlRequest("SELECT 1", { target: { name: "other", type: "postgres", tags: {} } });
  assert.is(decide(evaluator, other).effect, "deny");
});

test("approval and mask decisions are reported as such (deny > approval > mask > allow)", async () => {
  const rego = `package portcullis

decision := {"allow": true, "reasons": ["needs a DBA"], "mask": [{"column": "public.users.email", "strategy": "redact"}], "approval": {"required": true, "approvers": ["group:dba"], "mode": "hold"}} if input.target.tags.env == "prod"

decision := {"allow": true, "reasons": [], "mask": [{"column": "public.users.email", "strategy": "hash"}]} if input.target.tags.env == "staging"
`;
  const evaluator = await evaluatorFor(rego);
  assert.is(decide(evaluator, sqlRequest("SELECT 1")).effect, "approval");
  const staging = sqlRequest("SELECT 1", { target: { name: "s", type: "postgres", tags: { env: "staging" } } });
  assert.is(decide(evaluator, staging).effect, "mask");
});

test("a policy that does not compile fails the build with OPA's message (file and line)", async () => {
  const p = policyDir({ "broken.rego": "package portcullis\n\ndecision := {\n" });
  try {
    await buildBundle(p.dir);
    assert.unreachable("the build should fail");
  } catch (error) {
    assert.instance(error, PortcullisError);
    const e = error as PortcullisError;
    assert.is(e.code, "POLICY_BUILD_FAILED");
    assert.match(e.detail ?? "", /broken\.rego:\d+/);
  } finally {
    p.remove();
  }
});

test("a builtin the WASM SDK cannot run fails the build, not a request", async () => {
  const p = policyDir({ "p.rego": `package portcullis\n\ndecision := {"allow": time.now_ns() > 0, "reasons": []}\n` });
  try {
    await buildBundle(p.dir);
    assert.unreachable("the build should fail");
  } catch (error) {
    assert.match((error as PortcullisError).detail ?? "", /time\.now_ns/);
  } finally {
    p.remove();
  }
});

test.run();
