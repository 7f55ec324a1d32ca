/** The conformance runner: cases and recordings in, pass/fail per case out, through the gateway's own engine. */
export { findCaseFiles, loadCaseFile, loadCases } from "./load-cases.js";
export { loadRecording } from "./load-recording.js";
export { runCases, type RunSummary } from "./run.js";
export { jsonReport, junitCases, textReport, escapeXml } from "./report.js";
export { ProgressBar } from "./progress.js";
export type { CaseResult, ConformanceCase, Expectation } from "./types.js";
