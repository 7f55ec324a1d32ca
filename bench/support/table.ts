/** Plain-text tables printed row by row as measurements finish, shared by every benchmark. */

/** A column: its title, its width, and whether it is left-aligned (labels) or right-aligned (numbers). */
export interface Column {
  title: string;
  width: number;
  left?: boolean;
}

export interface Table {
  printHeader(): void;
  printRow(values: readonly string[]): void;
}

function cell(text: string, column: Column | undefined): string {
  const width = column?.width ?? 10;
  return column?.left ? text.padEnd(width) : text.padStart(width);
}

/** A table over fixed columns; a row is printed as soon as it is known. */
export function table(columns: readonly Column[]): Table {
  return {
    printHeader() {
      const line = columns.map((c) => cell(c.title, c)).join(" ");
      console.log(line);
      console.log("-".repeat(line.length));
    },
    printRow(values) {
      console.log(values.map((v, i) => cell(v, columns[i])).join(" "));
    },
  };
}

/** Large numbers with thousands separators, small ones with one decimal, missing ones as "-". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(1);
}

/** A section title between groups of rows. */
export function printSection(title: string): void {
  console.log(`\n== ${title}`);
}

/** An indented note under a row (what was compared, what was found). */
export function printNote(text: string): void {
  console.log(`   ${text}`);
}
