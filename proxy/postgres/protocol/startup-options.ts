import { CodedError } from "../../../engine/errors.js";
/**
 * The `options` startup parameter (libpq's `options=` and PGOPTIONS), read as the server reads it:
 * split into words at unescaped white space, a backslash taking the next character literally
 * (postinit.c, pg_split_opts), then each word read as a command-line switch of the server process
 * (postgres.c, process_postgres_switches). Only the switches that set a configuration parameter are
 * understood: `-c name=value`, `-cname=value` and `--name=value`. Anything else is refused rather
 * than dropped, so a setting the client asked for is never silently missing from its session.
 * https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-OPTIONS
 */

/** A switch the gateway does not understand, or a malformed one. The message names it for the client. */
export class StartupOptionsError extends CodedError<"STARTUP_OPTIONS_INVALID"> {
  constructor(message: string) {
    super("STARTUP_OPTIONS_INVALID", message);
  }
}

export interface StartupSetting {
  /** As written, with `-` turned into `_` as the server does (ParseLongOption). */
  name: string;
  value: string;
}

// isspace() in the C locale, which is what the server splits on.
const SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);

/** The words of an `options` value, as pg_split_opts makes them. */
export function splitOptions(options: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < options.length) {
    while (i < options.length && SPACE.has(options[i]!)) i++;
    if (i >= options.length) break;
    let word = "";
    let escaped = false;
    for (; i < options.length; i++) {
      const c = options[i]!;
      if (SPACE.has(c) && !escaped) break;
      if (!escaped && c === "\\") escaped = true;
      else {
        escaped = false;
        word += c;
      }
    }
    words.push(word);
  }
  return words;
}

/** The settings an `options` value asks for, in order. Throws StartupOptionsError on anything else. */
export function parseStartupOptions(options: string): StartupSetting[] {
  const words = splitOptions(options);
  const settings: StartupSetting[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let assignment: string;
    let switchName: string;
    if (word === "-c") {
      const next = words[i + 1];
      if (next === undefined) throw new StartupOptionsError(`option requires an argument -- 'c'`);
      assignment = next;
      switchName = "-c";
      i++;
    } else if (word.startsWith("-c")) {
      assignment = word.slice(2);
      switchName = "-c";
    } else if (word.startsWith("--") && word.length > 2) {
      assignment = word.slice(2);
      switchName = "--";
    } else {
      throw new StartupOptionsError(`invalid command-line argument for server process: ${word}`);
    }
    const equals = assignment.indexOf("=");
    if (equals < 0) throw new StartupOptionsError(switchName === "-c" ? `-c ${assignment} requires a value` : `--${assignment} requires a value`);
    const name = assignment.slice(0, equals).replaceAll("-", "_");
    if (name === "") throw new StartupOptionsError(`invalid command-line argument for server process: ${word}`);
    settings.push({ name, value: assignment.slice(equals + 1) });
  }
  return settings;
}
