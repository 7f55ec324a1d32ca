/** Reads the options in front of a wrapper's command the way getopt does, so the command itself is found. */
import type { Field } from "./words.js";

export interface OptionSpec {
  /** Short option letters that take an argument (attached, `-uroot`, or the next word). */
  short?: string;
  /** Long options that take an argument (`--user root` or `--user=root`). */
  long?: string[];
  /** Stop at the first word that is not an option (POSIX order); false lets options follow operands. */
  stopAtOperand?: boolean;
}

export interface ReadOptions {
  /** Every option seen, with its argument when it takes one: `-u` → "root", `--login` → "". */
  options: Array<{ name: string; value: string }>;
  /** Index of the first operand, or args.length. */
  next: number;
}

export function readOptions(args: Field[], spec: OptionSpec): ReadOptions {
  const options: ReadOptions["options"] = [];
  const short = spec.short ?? "";
  const long = spec.long ?? [];
  let i = 0;
  while (i < args.length) {
    const text = args[i]!.text;
    if (text === "--") return { options, next: i + 1 };
    if (text.startsWith("--")) {
      const eq = text.indexOf("=");
      const name = eq < 0 ? text : text.slice(0, eq);
      if (eq >= 0) options.push({ name, value: text.slice(eq + 1) });
      else if (long.includes(name)) {
        options.push({ name, value: args[i + 1]?.text ?? "" });
        i++;
      } else options.push({ name, value: "" });
      i++;
      continue;
    }
    if (!text.startsWith("-") || text === "-") return { options, next: i };
    i++;
    for (let k = 1; k < text.length; k++) {
      const letter = text[k]!;
      if (short.includes(letter)) {
        const attached = text.slice(k + 1);
        if (attached) options.push({ name: `-${letter}`, value: attached });
        else {
          options.push({ name: `-${letter}`, value: args[i]?.text ?? "" });
          i++;
        }
        break;
      }
      options.push({ name: `-${letter}`, value: "" });
    }
  }
  return { options, next: i };
}

export function has(read: ReadOptions, ...names: string[]): boolean {
  return read.options.some((o) => names.includes(o.name));
}

export function valueOf(read: ReadOptions, ...names: string[]): string | undefined {
  let value: string | undefined;
  for (const o of read.options) if (names.includes(o.name)) value = o.value;
  return value;
}

/** Leading NAME=VALUE words (sudo's and env's environment settings); returns the index after them. */
export function skipAssignments(args: Field[], from: number): number {
  let i = from;
  while (i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!.text)) i++;
  return i;
}
