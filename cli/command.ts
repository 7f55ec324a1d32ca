import { parseArgs, type ParseArgsConfig } from "node:util";
import { CodedError, messageOf } from "../engine/errors.js";

/** One CLI command: its words (`policy test`), full help, and what it does (its summary is in registry.ts). */
export interface Command {
  words: string[];
  help: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  allowPositionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Thrown for bad command-line words: printed with a pointer to --help, exit status 2. */
export class UsageError extends CodedError<"USAGE"> {
  constructor(message: string) {
    super("USAGE", message);
  }
}

export function parse(command: Command, argv: string[]): ParsedArgs {
  try {
    const options = { ...command.options, help: { type: "boolean" as const, short: "h" } };
    const { values, positionals } = parseArgs({
      args: withValuesAttached(argv, options),
      options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

export function listOption(args: ParsedArgs, name: string): string[] {
  const value = args.values[name];
  if (Array.isArray(value)) return value;
  return typeof value === "string" ? [value] : [];
}

export function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const value = stringOption(args, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as T;
}

/**
 * An option that takes a value takes the next word whatever it starts with, as getopt does: a token ID
 * or a name may begin with "-" (base64url IDs do). parseArgs would call `--token-id -Xy` ambiguous, so
 * such a pair is handed to it as `--token-id=-Xy`. Nothing after `--` is touched.
 */
export function withValuesAttached(argv: readonly string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const takesValue = (word: string): boolean => {
    if (word.startsWith("--")) return options[word.slice(2)]?.type === "string";
    if (/^-[^-]$/.test(word)) return Object.values(options).some((o) => o.short === word.slice(1) && o.type === "string");
    return false;
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (next !== undefined && next.startsWith("-") && next !== "--" && takesValue(word)) {
      out.push(word.startsWith("--") ? `${word}=${next}` : `${word}${next}`);
      i++;
    } else {
      out.push(word);
    }
  }
  return out;
}
