import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";
import { policyDir, SELECT_ONLY } from "../support/policy-dir.js";

const TESTS = `package portcullis_test

import data.portcullis

statement(command) := {"command": command, "category": "query", "text": "", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}

test_select_is_allowed if {
	portcullis.decision.allow with input as {"action": {"kind": "sql", "statements": [statement("SELECT")]}}
}

test_delete_is_denied if {
	d := portcullis.decision with input as {"action": {"kind": "sql", "statements": [statement("DELETE")]}}
	d.reasons == ["DELETE is not allowed"]
}

test_empty_is_denied if {
	not portcullis.decision.allow with input as {"action": {"kind": "sql", "statements": []}}
}
`;

const CASES = `cases:
  - name: select passes
    request: {sql: "SELECT 1"}
    expect: {decision: allow}
  - name: delete is denied
    request: {sql: "DELETE FROM t WHERE id = 1"}
    expect: {decision: deny, reasons: ["DELETE is not allowed"]}
`;

test("a formatted, checked, tested, covered policy with passing conformance passes every step (exit 0)", async () => {
  const p = policyDir({ "policies/policy.rego": SELECT_ONLY, "policies/policy_test.rego": TESTS, "conformance/cases.yaml": CASES });
  try {
    const r = await portcullis(["policy", "test", `${p.dir}/policies`]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    for (const step of ["fmt", "check", "test", "coverage", "build", "conformance"]) assert.match(r.stdout, new RegExp(`✓ ${step}`));
    assert.match(r.stdout, /3\/3 tests passed/);
    assert.match(r.stdout, /2\/2 cases passed/);
    assert.match(r.stdout, /policy test: all 6 checks passed/);
  } finally {
    p.remove();
  }
});

test("each broken step is reported in one run, and the exit status is 1", async () => {
  const unformatted = SELECT_ONLY.replace('default decision := {"allow": false', 'default decision:={"allow":false');
  const failingCase = CASES.replace("decision: allow", "decision: deny");
  const p = policyDir({ "policies/policy.rego": unformatted, "policies/policy_test.rego": TESTS.replace('["DELETE is not allowed"]', '["nope"]'), "conformance/cases.yaml": failingCase });
  try {
    const r = await portcullis(["policy", "test", `${p.dir}/policies`, "--threshold", "100"]);
    assert.is(r.code, 1);
    assert.match(r.stdout, /✗ fmt +1 file\(s\) need `opa fmt -w`/);
    assert.match(r.stdout, /policy\.rego/);
    assert.match(r.stdout, /✗ test +2\/3 tests passed/);
    assert.match(r.stdout, /FAIL data\.portcullis_test\.test_delete_is_denied/);
    assert.match(r.stdout, /✓ build/);
    assert.match(r.stdout, /✗ conformance +1\/2 cases passed/);
    assert.match(r.stdout, /decision: expected deny, got allow/);
  } finally {
    p.remove();
  }
});

test("--format json and --format junit are machine-readable", async () => {
  const p = policyDir({ "policies/policy.rego": SELECT_ONLY, "policies/policy_test.rego": TESTS, "conformance/cases.yaml": CASES });
  try {
    const json = await portcullis(["policy", "test", `${p.dir}/policies`, "--format", "json"]);
    assert.is(json.code, 0);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; steps: Array<{ name: string; ok: boolean }> };
    assert.is(parsed.ok, true);
    assert.equal(parsed.steps.map((s) => s.name), ["fmt", "check", "test", "coverage", "build", "conformance"]);
    const junit = await portcullis(["policy", "test", `${p.dir}/policies`, "--format", "junit", "--no-conformance"]);
    assert.is(junit.code, 0);
    assert.match(junit.stdout, /^<\?xml/);
    assert.match(junit.stdout, /<testcase classname="portcullis_test" name="test_delete_is_denied"/);
    assert.not.match(junit.stdout, /<testsuite name="conformance"/);
  } finally {
    p.remove();
  }
});

test("a policy using a builtin the WASM engine lacks fails check and build", async () => {
  const p = policyDir({ "policies/p.rego": 'package portcullis\n\ndecision := {"allow": time.now_ns() > 0, "reasons": []}\n' });
  try {
    const r = await portcullis(["policy", "test", `${p.dir}/policies`, "--no-conformance"]);
    assert.is(r.code, 1);
    assert.match(r.stdout, /✗ check/);
    assert.match(r.stdout, /time\.now_ns/);
    assert.match(r.stdout, /✗ build/);
  } finally {
    p.remove();
  }
});

test.run();
