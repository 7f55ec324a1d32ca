import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { runPolicyCi, type StepResult } from "../../engine/policy/policy-ci.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { escapeXml, junitCases, loadCases, runCases, textReport } from "../../conformance/runner/index.js";
import { visibleLine } from "../../engine/text/visible-text.js";
import { choice, listOption, stringOption, UsageError, type Command } from "../command.js";

export const policyTestCommand: Command = {
  words: ["policy", "test"],
  allowPositionals: true,
  options: {
    threshold: { type: "string" },
    format: { type: "string" },
    conformance: { type: "string", multiple: true },
    "no-conformance": { type: "boolean" },
  },
  help: `Usage: portcullis policy test [DIR] [--threshold N] [--conformance PATH]... [--format text|json|junit]

The checks a policy repository's CI runs, in one command and one summary:
  fmt          opa fmt: every .rego file formatted
  check        opa check --strict, against the builtins the WASM engine can run
  test         opa test: every test_ rule in *_test.rego passes
  coverage     opa test --coverage at or above the threshold
  build        opa build -t wasm, the bundle the gateway loads
  conformance  the conformance cases, run against that very WASM

Arguments:
  DIR                 the policy directory (default: the bundled policies/)

Options:
  --threshold N       minimum coverage percentage (default: 90)
  --conformance PATH  case files, recordings or directories; repeatable (default: a conformance/
                      directory beside DIR, when there is one)
  --no-conformance    skip the conformance step
  --format F          text (default), json, or junit (for CI test reports)
  -h, --help          show this help

Exit status: 0 only when every check passes, 1 otherwise, 2 on bad usage.`,
  async run(args) {
    if (args.positionals.length > 1) throw new UsageError("give at most one policy directory");
    const dir = resolve(args.positionals[0] ?? defaultPolicyDir);
    if (!existsSync(dir)) throw new UsageError(`no such policy directory: ${dir}`);
    const format = choice(args, "format", ["text", "json", "junit"] as const, "text");
    const threshold = Number(stringOption(args, "threshold") ?? "90");
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) throw new UsageError("--threshold takes a percentage from 0 to 100");
    const sibling = join(dirname(dir), "conformance");
    const paths = args.values["no-conformance"] ? [] : listOption(args, "conformance").length > 0 ? listOption(args, "conformance") : existsSync(sibling) ? [sibling] : [];

    let conformanceCases: string[] = [];
    const steps = await runPolicyCi({
      dir,
      coverageThreshold: threshold,
      ...(paths.length > 0
        ? {
            conformance: async (evaluator) => {
              const summary = runCases(evaluator, await loadCases(paths));
              conformanceCases = junitCases(summary);
              const report = textReport(summary, false).split("\n");
              return {
                ok: summary.failed === 0 && summary.results.length > 0,
                summary: `${summary.passed}/${summary.results.length} cases passed`,
                details: summary.failed > 0 ? report.slice(0, -1) : [],
              };
            },
          }
        : {}),
    });
    const ok = steps.every((s) => s.ok);
    if (format === "json") console.log(JSON.stringify({ ok, dir, steps }, null, 2));
    else if (format === "junit") console.log(junit(steps, conformanceCases));
    else console.log(text(dir, steps, ok, process.stdout.isTTY === true && !process.env.NO_COLOR));
    return ok ? 0 : 1;
  },
};

function text(dir: string, steps: StepResult[], ok: boolean, color: boolean): string {
  const paint = (code: number, s: string): string => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out = [`portcullis policy test ${dir}`];
  for (const step of steps) {
    const mark = step.ok ? paint(32, "✓") : paint(31, "✗");
    // Details quote test cases, some recorded from what clients sent: their controls are escaped.
    out.push(`  ${mark} ${step.name.padEnd(12)} ${visibleLine(step.summary)} (${step.duration_ms} ms)`);
    for (const d of step.details.slice(0, 40)) out.push(`      ${visibleLine(d)}`);
  }
  const failed = steps.filter((s) => !s.ok).length;
  out.push(ok ? paint(32, `policy test: all ${steps.length} checks passed`) : paint(31, `policy test: ${failed} of ${steps.length} checks failed`));
  return out.join("\n");
}

function junit(steps: StepResult[], conformanceCases: string[]): string {
  const suites = steps.map((step) => {
    let cases: string[];
    if (step.name === "conformance" && conformanceCases.length > 0) cases = conformanceCases;
    else if (step.cases && step.cases.length > 0) {
      cases = step.cases.map((c) => {
        const head = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="${(c.duration_ms / 1000).toFixed(6)}"`;
        return c.ok ? `${head}/>` : `${head}><failure message="${escapeXml(c.message ?? "failed")}"/></testcase>`;
      });
    } else {
      const head = `    <testcase classname="policy" name="${step.name}" time="${(step.duration_ms / 1000).toFixed(3)}"`;
      cases = [step.ok ? `${head}/>` : `${head}><failure message="${escapeXml(step.summary)}">${escapeXml(step.details.join("\n"))}</failure></testcase>`];
    }
    const failures = cases.filter((c) => c.includes("<failure")).length;
    return `  <testsuite name="${step.name}" tests="${cases.length}" failures="${failures}" time="${(step.duration_ms / 1000).toFixed(3)}">\n${cases.join("\n")}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join("\n")}\n</testsuites>`;
}
