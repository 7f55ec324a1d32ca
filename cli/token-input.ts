import { readFileSync } from "node:fs";
import { UsageError } from "./command.js";

/** The most bytes a token file may hold: a token is a few kilobytes, the gateway refuses more than 16 KiB. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/**
 * Reads a token an option names: a file (a workload's token as its platform mounts it, e.g. a
 * Kubernetes projected service-account token) or `-` for standard input, so it never appears in a
 * process listing as an argument would. Surrounding whitespace is dropped.
 */
export function readTokenArgument(option: string, where: string): string {
  let text: string;
  try {
    const bytes = readFileSync(where === "-" ? 0 : where);
    if (bytes.length > MAX_TOKEN_FILE_BYTES) throw new UsageError(`--${option}: ${where} holds more than ${MAX_TOKEN_FILE_BYTES} bytes; that is not a token`);
    text = bytes.toString("utf8").trim();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--${option}: cannot read ${where === "-" ? "standard input" : where}: ${(error as Error).message}`);
  }
  if (text === "") throw new UsageError(`--${option}: ${where === "-" ? "standard input" : where} is empty`);
  return text;
}
