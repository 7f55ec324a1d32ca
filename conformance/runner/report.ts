import { visibleBlock, visibleJson, visibleLine } from "../../engine/text/visible-text.js";
import type { RunSummary } from "./run.js";

/**
 * The text report: one line per failure with its differences, then a summary line. Cases recorded
 * from sessions hold what clients sent, so their text is printed with its controls escaped.
 */
export function textReport(summary: RunSummary, color: boolean): string {
  const red = (s: string): string => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const green = (s: string): string => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const lines: string[] = [];
  for (const r of summary.results) {
    if (r.passed) continue;
    lines.push(red(visibleLine(`FAIL ${r.case.origin} ${r.case.name}`)));
    lines.push(`     request: ${visibleJson(JSON.stringify(r.case.request.request))}`);
    for (const d of r.differences.map(visibleLine)) lines.push(`     ${d.startsWith("+") ? green(d) : d.startsWith("-") ? red(d) : d}`);
    lines.push(`     reasons: ${visibleJson(JSON.stringify(r.actual.reasons))}`);
  }
  const total = summary.passed + summary.failed;
  const verdict = summary.failed === 0 ? green("all passed") : red(`${summary.failed} failed`);
  lines.push(`conformance: ${summary.passed}/${total} cases passed (${verdict}) against policy ${summary.revision} in ${summary.duration_ms} ms`);
  return lines.join("\n");
}

export function jsonReport(summary: RunSummary): object {
  return {
    revision: summary.revision,
    passed: summary.passed,
    failed: summary.failed,
    duration_ms: summary.duration_ms,
    results: summary.results.map((r) => ({
      origin: r.case.origin,
      name: r.case.name,
      passed: r.passed,
      differences: r.differences,
      actual: r.actual,
      duration_us: r.duration_us,
    })),
  };
}

/**
 * Text for a JUnit XML attribute or element. XML 1.0 cannot carry most C0 controls at all (not even as
 * character references), and a CI page showing the report would act on bidi overrides: every hidden
 * character is written as its visible escape (`\x1b`, `\u202e`), newlines and tabs kept.
 */
export function escapeXml(text: string): string {
  return visibleBlock(text).replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

/** JUnit `<testcase>` elements for a conformance run (wrapped by the caller's `<testsuite>`). */
export function junitCases(summary: RunSummary): string[] {
  return summary.results.map((r) => {
    const name = `${escapeXml(r.case.name)}`;
    const classname = escapeXml(r.case.origin.replace(/[#:]\d+$/, ""));
    const time = (r.duration_us / 1e6).toFixed(6);
    if (r.passed) return `    <testcase classname="${classname}" name="${name}" time="${time}"/>`;
    const message = escapeXml(r.differences[0] ?? "failed");
    return `    <testcase classname="${classname}" name="${name}" time="${time}"><failure message="${message}">${escapeXml(r.differences.join("\n"))}</failure></testcase>`;
  });
}
