import type { Summary } from "./stats.js";

const COLUMNS: Array<[string, number]> = [
  ["measurement", 38],
  ["n", 9],
  ["decisions/s", 12],
  ["p50 µs", 10],
  ["p99 µs", 10],
  ["mean µs", 10],
];

function cell(text: string, width: number, left: boolean): string {
  return left ? text.padEnd(width) : text.padStart(width);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(1);
}

/** Prints the header of the results table; `rate` names what is counted per second. */
export function printHeader(rate = "decisions/s"): void {
  const line = COLUMNS.map(([name, width], i) => cell(i === 2 ? rate : name, width, i === 0)).join(" ");
  console.log(line);
  console.log("-".repeat(line.length));
}

/** Prints one row of the results table as soon as its measurement is done. */
export function printRow(label: string, s: Summary): void {
  const values = [label, String(s.count), formatNumber(s.decisions_per_s), formatNumber(s.p50_us), formatNumber(s.p99_us), formatNumber(s.mean_us)];
  console.log(values.map((v, i) => cell(v, COLUMNS[i]?.[1] ?? 10, i === 0)).join(" "));
}

/** A section title between groups of rows. */
export function printSection(title: string): void {
  console.log(`\n== ${title}`);
}

/** An indented note under a row (what was compared, what was found). */
export function printNote(text: string): void {
  console.log(`   ${text}`);
}
