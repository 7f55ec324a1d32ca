import { fieldsOf, str } from "./ast.js";
import { CodedError } from "../../errors.js";

/**
 * Option values read as PostgreSQL's own option parser reads them (defGetBoolean in
 * src/backend/commands/define.c): no value is true; the integers 0 and 1; the words true, false, on
 * and off in any case, quoted or not. Anything else the server refuses: `undefined` here, and callers
 * then assume the effect that is the more dangerous one (for EXPLAIN ANALYZE: that it runs).
 */
export function booleanOption(arg: unknown): boolean | undefined {
  if (arg === undefined) return true;
  const integer = fieldsOf(arg, "Integer");
  if (integer) {
    // The parse tree leaves out a zero.
    const value = integer.ival ?? 0;
    return value === 0 ? false : value === 1 ? true : undefined;
  }
  const boolean = fieldsOf(arg, "Boolean");
  if (boolean) return boolean.boolval === true;
  const text = str(fieldsOf(arg, "String")?.sval);
  if (text === undefined) return undefined;
  switch (text.toLowerCase()) {
    case "true":
    case "on":
      return true;
    case "false":
    case "off":
      return false;
    default:
      return undefined;
  }
}

/** EXPLAIN options of every supported server major (15–18); any other is refused, not skipped. */
export const EXPLAIN_OPTIONS: ReadonlySet<string> = new Set([
  "analyze",
  "verbose",
  "costs",
  "settings",
  "buffers",
  "wal",
  "timing",
  "summary",
  "format",
  "generic_plan",
  "serialize",
  "memory",
]);

/** An option the analyzer does not know: the statement is not analysed (and so is denied). */
export class UnknownOptionError extends CodedError<"UNKNOWN_OPTION"> {
  constructor(statement: string, option: string) {
    super("UNKNOWN_OPTION", `unknown ${statement} option "${option}"`);
  }
}
