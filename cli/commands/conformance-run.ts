import { resolve } from "node:path";
import { buildBundle, loadNormalizers, PolicyEvaluator } from "../../engine/index.js";
import { defaultConformanceDir, defaultPolicyDir } from "../../engine/paths.js";
import { jsonReport, junitCases, loadCases, ProgressBar, runCases, textReport, escapeXml } from "../../conformance/runner/index.js";
import { choice, stringOption, type Command } from "../command.js";

export const conformanceRunCommand: Command = {
  words: ["conformance", "run"],
  allowPositionals: true,
  options: { policy: { type: "string" }, format: { type: "string" } },
  help: `Usage: portcullis conformance run [PATHS...] [--policy DIR] [--format text|json|junit]

Runs every case in PATHS (YAML case files, *.jsonl session recordings, or directories of them;
default: the bundled conformance/ folder) through the same normalizer and WASM policy the gateway
uses, and reports each case whose decision differs from what it expects. A recording expects the
decision recorded at the time, so replaying one against a new policy shows every decision that changed.

Options:
  --policy DIR        policy directory to build and test (default: the bundled policies/)
  --format F          text (default; a progress bar on a terminal and a diff per failure),
                      json, or junit
  -h, --help          show this help

Exit status: 0 when every case passes, 1 when any fails or on error, 2 on bad usage.`,
  async run(args) {
    const format = choice(args, "format", ["text", "json", "junit"] as const, "text");
    const paths = args.positionals.length > 0 ? args.positionals : [defaultConformanceDir];
    await loadNormalizers();
    const [evaluator, cases] = await Promise.all([
      buildBundle(resolve(stringOption(args, "policy") ?? defaultPolicyDir)).then((b) => PolicyEvaluator.load(b)),
      loadCases(paths),
    ]);
    const progress = new ProgressBar(format === "text" ? cases.length : 0);
    const summary = runCases(evaluator, cases, (result, i) => progress.tick(i + 1, result.passed));
    progress.done();
    if (format === "json") console.log(JSON.stringify(jsonReport(summary), null, 2));
    else if (format === "junit") {
      console.log(`<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="${cases.length}" failures="${summary.failed}">
  <testsuite name="conformance" tests="${cases.length}" failures="${summary.failed}" time="${(summary.duration_ms / 1000).toFixed(3)}" hostname="${escapeXml(summary.revision)}">
${junitCases(summary).join("\n")}
  </testsuite>
</testsuites>`);
    } else console.log(textReport(summary, process.stdout.isTTY === true && !process.env.NO_COLOR));
    if (cases.length === 0) {
      console.error("conformance: no cases found");
      return 1;
    }
    return summary.failed === 0 ? 0 : 1;
  },
};
