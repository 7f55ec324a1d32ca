import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildBundle, decide, loadNormalizers, PolicyEvaluator, type PolicyBundle } from "../../engine/index.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { decisionCacheOf } from "../../engine/policy/decision-cache.js";
import { bundleOfFiles } from "../support/policy-dir.js";
import { sqlRequest } from "../support/requests.js";

/**
 * Decisions are reused across statements that differ only in their text when the policy's plan shows
 * it cannot read that text (engine/policy/plan-reads.ts). Each policy below reads the text some other
 * way (a field, a dynamic key, a helper function, a builtin over the whole input, a set that folds
 * equal statements, its own answer...): the analysis must say so, and the gateway, with its caches
 * warm, must still decide two statements of one shape differently when only their text tells them apart.
 */

const PREFIX = `package portcullis

default bad := false

decision := {"allow": false, "reasons": ["bad"]} if bad

decision := {"allow": true, "reasons": []} if not bad
`;

interface ReadingCase {
  name: string;
  rules: string;
  /** Statements of one shape: the first is decided "bad", the second is not. */
  bad: string;
  good: string;
}

const READERS: ReadingCase[] = [
  { name: "a field compared", rules: `bad if input.action.statements[_].text == "SELECT 42"`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "a builtin over the field", rules: `bad if {\n\tsome s in input.action.statements\n\tcontains(s.text, "42")\n}`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "a dynamic key", rules: `bad if {\n\tsome s in input.action.statements\n\tsome k\n\tv := s[k]\n\tis_string(v)\n\tcontains(v, "42")\n}`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "every value of a statement", rules: `bad if {\n\tsome s in input.action.statements\n\tsome v in s\n\tv == "SELECT 42"\n}`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "object.get", rules: `bad if contains(object.get(input.action.statements[0], "text", ""), "42")`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "a helper function", rules: `text_of(s) := s.text\n\nbad if contains(text_of(input.action.statements[_]), "42")`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "walk over the input", rules: `bad if {\n\twalk(input, [_, v])\n\tis_string(v)\n\tcontains(v, "42")\n}`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "json.marshal of the action", rules: `bad if contains(json.marshal(input.action), "42")`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "sprintf", rules: `bad if contains(sprintf("%s;", [input.action.statements[0].text]), "42")`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "regex.match", rules: `bad if regex.match("4[2]", input.action.statements[_].text)`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "a string's length", rules: `bad if count(input.action.statements[0].text) > 12`, bad: "SELECT 4242424242", good: "SELECT 4" },
  { name: "a set that folds equal statements", rules: `bad if count({s | some s in input.action.statements}) < count(input.action.statements)`, bad: "SELECT 42; SELECT 42", good: "SELECT 42; SELECT 43" },
  { name: "with, replacing another input field by the text", rules: `probe if input.probe == "SELECT 42"\n\nbad if probe with input.probe as input.action.statements[0].text`, bad: "SELECT 42", good: "SELECT 43" },
  { name: "with, replacing the whole input", rules: `probe if contains(input.action.statements[0].text, "42")\n\nbad if probe with input as input`, bad: "SELECT 42", good: "SELECT 43" },
];

function bundleOf(rules: string): Promise<PolicyBundle> {
  return bundleOfFiles({ "policy.rego": `${PREFIX}\n${rules}\n` }, "plan-reads");
}

test.before(async () => {
  await loadNormalizers();
});

test("the default policy cannot read a statement's text, so its decisions are reused across literals", async () => {
  const bundle = await buildBundle(defaultPolicyDir);
  assert.equal(bundle.readsStatementText, { reads: false });
  const evaluator = await PolicyEvaluator.load(bundle);
  const cache = decisionCacheOf(evaluator)!;
  for (let id = 1; id <= 50; id++) assert.is(decide(evaluator, sqlRequest(`SELECT abalance FROM pgbench_accounts WHERE aid = ${id}`)).effect, "allow");
  assert.equal([cache.misses, cache.hits], [1, 49], "one evaluation, then 49 reuses");
});

test("policies that read only other fields are reused too", async () => {
  for (const rules of [`bad if input.action.statements[_].command == "DELETE"`, `bad if count(input.action.statements) > 1`, `bad if {\n\tsome s in input.action.statements\n\tsome t in s.tables\n\tt.name == "users"\n}`]) {
    const bundle = await bundleOf(rules);
    assert.equal(bundle.readsStatementText, { reads: false }, rules);
  }
});

for (const c of READERS) {
  test(`a policy reading the text through ${c.name} is never decided from another statement's text`, async () => {
    const bundle = await bundleOf(c.rules);
    assert.is(bundle.readsStatementText.reads, true, `the analysis missed ${c.name}`);
    const evaluator = await PolicyEvaluator.load(bundle);
    // Both orders, each statement twice: whichever was decided first must not answer for the other.
    for (const order of [
      [c.bad, c.good],
      [c.good, c.bad],
    ]) {
      for (let round = 0; round < 2; round++) {
        for (const text of order) {
          const verdict = decide(evaluator, sqlRequest(text));
          assert.is(verdict.effect, text === c.bad ? "deny" : "allow", `${c.name}: ${text}`);
        }
      }
    }
  });
}

test("a policy that answers with the text itself is never reused across texts", async () => {
  const bundle = await bundleOfFiles({ "policy.rego": `package portcullis\n\ndecision := {"allow": true, "reasons": [input.action.statements[0].text]}\n` }, "plan-reads");
  assert.is(bundle.readsStatementText.reads, true);
  const evaluator = await PolicyEvaluator.load(bundle);
  for (const text of ["SELECT 1", "SELECT 2", "SELECT 1"]) assert.equal(decide(evaluator, sqlRequest(text)).decision.reasons, [text]);
});

test.run();
