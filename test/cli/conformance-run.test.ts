import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";
import { run } from "../support/run.js";
import { policyDir, SELECT_ONLY } from "../support/policy-dir.js";

const p = policyDir({
  "policy/policy.rego": SELECT_ONLY,
  "cases/good.yaml": `description: reads pass, writes do not
defaults:
  identity: {subject: alice, groups: [engineering]}
  target: {name: prod-db, tags: {env: prod}}
cases:
  - name: select
    request: {sql: "SELECT email FROM users"}
    expect: {decision: allow}
  - name: update
    request: {sql: "UPDATE users SET name = 'x' WHERE id = 1"}
    expect: {decision: deny, reasons: ["UPDATE is not allowed"]}
`,
  "bad/wrong.yaml": `cases:
  - name: wrong on purpose
    request: {sql: "DELETE FROM t"}
    expect: {decision: allow, mask: [{column: public.users.email, strategy: redact}]}
`,
  "invalid/typo.yaml": `cases:
  - name: a typo in expect
    request: {sql: "SELECT 1"}
    expect: {decison: allow}
`,
  "recordings/session.jsonl": [
    { type: "session", version: 1, session: { id: "s1", protocol: "postgres", started_at: "2026-11-23T10:00:00Z" }, identity: { subject: "alice", issuer: "idp", groups: [], kind: "human", claims: {} }, target: { name: "prod-db", type: "postgres", tags: {} }, policy_revision: "old" },
    { type: "request", seq: 1, at: "2026-11-23T10:00:01Z", offset_ms: 1000, request: { sql: "SELECT 1" }, decision: { allow: true, reasons: [] }, duration_us: 800, result: { command_tag: "SELECT 1", rows: 1 } },
    { type: "request", seq: 2, at: "2026-11-23T10:00:02Z", offset_ms: 2000, request: { sql: "INSERT INTO t VALUES (1)" }, decision: { allow: true, reasons: [] }, duration_us: 900 },
    { type: "end", at: "2026-11-23T10:00:03Z", reason: "client closed" },
  ]
    .map((l) => JSON.stringify(l))
    .join("\n"),
});

test("passing cases exit 0 with a summary naming the policy revision", async () => {
  const r = await portcullis(["conformance", "run", `${p.dir}/cases`, "--policy", `${p.dir}/policy`]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /conformance: 2\/2 cases passed \(all passed\) against policy sha256:[0-9a-f]+/);
});

test("a failing case exits 1 and shows a diff of what differs", async () => {
  const r = await portcullis(["conformance", "run", `${p.dir}/bad`, "--policy", `${p.dir}/policy`]);
  assert.is(r.code, 1);
  assert.match(r.stdout, /FAIL .*wrong\.yaml#1 wrong on purpose/);
  assert.match(r.stdout, /decision: expected allow, got deny/);
  assert.match(r.stdout, /- mask public\.users\.email \(redact\)/);
  assert.match(r.stdout, /reasons: \["DELETE is not allowed"\]/);
});

test("a case file that does not match the schema is an error naming file and field", async () => {
  const r = await portcullis(["conformance", "run", `${p.dir}/invalid`, "--policy", `${p.dir}/policy`]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /typo\.yaml: \/cases\/0\/expect must have required property 'decision'/);
});

test("a recording replays against a new policy and reports each changed decision", async () => {
  const r = await portcullis(["conformance", "run", `${p.dir}/recordings/session.jsonl`, "--policy", `${p.dir}/policy`, "--format", "json"]);
  assert.is(r.code, 1);
  const report = JSON.parse(r.stdout) as { passed: number; failed: number; results: Array<{ origin: string; name: string; passed: boolean; differences: string[] }> };
  assert.is(report.passed, 1);
  assert.is(report.failed, 1);
  const changed = report.results.find((x) => !x.passed)!;
  assert.match(changed.origin, /session\.jsonl:3$/);
  assert.match(changed.name, /request 2: INSERT INTO t VALUES \(1\)/);
  assert.equal(changed.differences, ["decision: expected allow, got deny", '+ reason "INSERT is not allowed"']);
});

test("junit output has one testcase per case with failures marked", async () => {
  const r = await portcullis(["conformance", "run", `${p.dir}/cases`, `${p.dir}/bad`, "--policy", `${p.dir}/policy`, "--format", "junit"]);
  assert.is(r.code, 1);
  assert.match(r.stdout, /<testsuite name="conformance" tests="3" failures="1"/);
  assert.match(r.stdout, /<failure message="decision: expected allow, got deny">/);
});

test("junit output of recorded client text is well-formed XML, its controls shown as escapes", async () => {
  const hostile = policyDir({
    "session.jsonl": [
      { type: "session", version: 1, session: { id: "s2", protocol: "postgres", started_at: "2026-11-23T10:00:00Z" }, identity: { subject: "alice", issuer: "idp", groups: [], kind: "human", claims: {} }, target: { name: "prod-db", type: "postgres", tags: {} }, policy_revision: "old" },
      { type: "request", seq: 1, at: "2026-11-23T10:00:01Z", offset_ms: 1000, request: { sql: "INSERT INTO t VALUES (1) /*\x1b[2K\x00\u202e\x07*/" }, decision: { allow: true, reasons: [] }, duration_us: 900 },
      { type: "end", at: "2026-11-23T10:00:03Z", reason: "client closed" },
    ]
      .map((l) => JSON.stringify(l))
      .join("\n"),
  });
  try {
    const r = await portcullis(["conformance", "run", `${hostile.dir}/session.jsonl`, "--policy", `${p.dir}/policy`, "--format", "junit"]);
    assert.is(r.code, 1);
    assert.not.match(r.stdout, /[\x00-\x08\x0b\x0c\x0e-\x1f\u202e]/, "no character XML forbids, nor a raw bidi override");
    assert.match(r.stdout, "/*\\x1b[2K\\x00\\u202e\\x07*/");
    // A real XML parser accepts the report.
    const parsed = await run("python3", ["-c", "import sys, xml.etree.ElementTree as E; print(len(E.fromstring(sys.stdin.read()).iter('testcase').__next__().attrib['name']))"], process.env, r.stdout);
    assert.is(parsed.code, 0, parsed.stderr);
  } finally {
    hostile.remove();
  }
});

test("a path that does not exist is an error", async () => {
  const r = await portcullis(["conformance", "run", `${p.dir}/nowhere`, "--policy", `${p.dir}/policy`]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /no such file or directory/);
});

test.after(() => p.remove());
test.run();
