import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";
import { policyDir } from "../support/policy-dir.js";

const policy = policyDir({
  "policy.rego": `package portcullis

decision := {"allow": false, "reasons": [sprintf("%s for %s on %s (%s)", [input.action.statements[0].command, input.identity.subject, input.target.name, concat(",", input.identity.groups)])]} if input.target.tags.env == "prod"

decision := {"allow": true, "reasons": []} if not input.target.tags.env
`,
});

test("eval --sql prints the effect, the decision and the action document as JSON", async () => {
  const r = await portcullis(["eval", "--policy", policy.dir, "--sql", "DELETE FROM orders", "--subject", "bob", "--groups", "a,b", "--target", "db1", "--tag", "env=prod"]);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { effect: string; decision: { reasons: string[]; policy_revision: string }; action: { statements: Array<{ command: string; where_bounded: boolean }> } };
  assert.is(out.effect, "deny");
  assert.equal(out.decision.reasons, ["DELETE for bob on db1 (a,b)"]);
  assert.match(out.decision.policy_revision, /^(sha256|git):/);
  assert.is(out.action.statements[0]!.where_bounded, false);
});

test("eval --shell reads the command as bash would, against an ssh target, and the default policy holds sudo on prod", async () => {
  const r = await portcullis(["eval", "--shell", "sudo -u root r\\m -rf '/tmp/x' && echo done", "--target", "web-1", "--tag", "env=prod"]);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { effect: string; decision: { reasons: string[] }; input: { target: { type: string }; session: { protocol: string } }; action: { kind: string; commands: Array<{ program: string; argv: string[] }> } };
  assert.is(out.action.kind, "shell");
  assert.equal(out.action.commands.map((c) => [c.program, ...c.argv.slice(1)]), [["sudo", "-u", "root", "rm", "-rf", "/tmp/x"], ["rm", "-rf", "/tmp/x"], ["echo", "done"]]);
  assert.equal([out.input.target.type, out.input.session.protocol], ["ssh", "ssh"]);
  assert.is(out.effect, "approval");
  assert.equal(out.decision.reasons, ["sudo on web-1 (env prod) requires approval"], "rm -rf under /tmp needs none");
  const both = await portcullis(["eval", "--shell", "ls", "--sql", "SELECT 1"]);
  assert.is(both.code, 2);
  assert.match(both.stderr, /exactly one of --sql, --shell, --kube or --input/);
});

test("eval --input takes a request to normalize, or a full policy input as recorded", async () => {
  const request = join(policy.dir, "..", `req-${process.pid}.json`);
  writeFileSync(request, JSON.stringify({ identity: { subject: "carol", issuer: "x", groups: [], kind: "service", claims: {} }, target: { name: "db2", type: "postgres", tags: {} }, request: { sql: "SELECT 1" } }));
  const r = await portcullis(["eval", "--policy", policy.dir, "--input", request]);
  assert.is(r.code, 0, r.stderr);
  assert.is((JSON.parse(r.stdout) as { effect: string }).effect, "allow");

  const input = { identity: { subject: "dave", issuer: "x", groups: [], kind: "human", claims: {} }, session: { id: "s", protocol: "postgres" }, target: { name: "db3", type: "postgres", tags: { env: "prod" } }, action: { kind: "sql", statements: [{ command: "TRUNCATE", category: "dml", text: "TRUNCATE t", tables: [], columns: [], functions: [], writes: [], where_bounded: null, dynamic_sql: false, dynamic_reasons: [] }] } };
  const viaStdin = await portcullis(["eval", "--policy", policy.dir, "--input", "-"], { stdin: JSON.stringify(input) });
  assert.is(viaStdin.code, 0, viaStdin.stderr);
  assert.equal((JSON.parse(viaStdin.stdout) as { decision: { reasons: string[] } }).decision.reasons, ["TRUNCATE for dave on db3 ()"]);
});

test("eval needs exactly one of --sql and --input, and a policy that builds", async () => {
  const neither = await portcullis(["eval", "--policy", policy.dir]);
  assert.is(neither.code, 2);
  assert.match(neither.stderr, /exactly one of --sql, --shell, --kube or --input/);
  const badTag = await portcullis(["eval", "--policy", policy.dir, "--sql", "SELECT 1", "--tag", "prod"]);
  assert.is(badTag.code, 2);
  const broken = policyDir({ "p.rego": "package portcullis\n\ndecision := {\n" });
  const r = await portcullis(["eval", "--policy", broken.dir, "--sql", "SELECT 1"]);
  broken.remove();
  assert.is(r.code, 1);
  assert.match(r.stderr, /policy build failed/);
  assert.match(r.stderr, /p\.rego:\d+/);
});

test("eval of SQL that does not parse shows the parse error in the action", async () => {
  const r = await portcullis(["eval", "--policy", policy.dir, "--sql", "SELEC 1", "--tag", "env=prod"]);
  assert.is(r.code, 0);
  const out = JSON.parse(r.stdout) as { effect: string; action: { parse_error: { message: string; position: number } } };
  assert.equal(out.action.parse_error, { message: 'syntax error at or near "SELEC"', position: 0 });
  // This policy reads statements[0], which does not exist: its decision is undefined, and that is a deny.
  assert.is(out.effect, "deny");
  assert.equal((out as unknown as { decision: { reasons: string[] } }).decision.reasons, ["policy returned no decision"]);
});

test.after(() => policy.remove());
test.run();
