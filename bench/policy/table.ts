import type { Summary } from "../support/stats.js";
import { formatNumber, table } from "../support/table.js";

export { printNote, printSection } from "../support/table.js";

const COLUMNS = [
  { title: "measurement", width: 38, left: true },
  { title: "n", width: 9 },
  { title: "decisions/s", width: 12 },
  { title: "p50 µs", width: 10 },
  { title: "p99 µs", width: 10 },
  { title: "mean µs", width: 10 },
];

/** Prints the header of the results table; `rate` names what is counted per second. */
export function printHeader(rate = "decisions/s"): void {
  table(COLUMNS.map((c, i) => (i === 2 ? { ...c, title: rate } : c))).printHeader();
}

/** Prints one row of the results table as soon as its measurement is done. */
export function printRow(label: string, s: Summary): void {
  table(COLUMNS).printRow([label, String(s.count), formatNumber(s.decisions_per_s), formatNumber(s.p50_us), formatNumber(s.p99_us), formatNumber(s.mean_us)]);
}
