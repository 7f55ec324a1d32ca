import { readStoredRequest } from "../actions/stored-request.js";
import { check } from "../schemas.js";
import type { RecordingLine } from "./types.js";

/**
 * One line of a recording, validated against schemas/recording.json and read into today's shape: a
 * version 1 line's `{sql}` request becomes `{kind: "sql", text}`, and its result (command tag, rows)
 * becomes a `sql` result. Returns the problem instead when the line is not a recording line.
 */
export function readRecordingLine(value: unknown): { line: RecordingLine } | { problem: string } {
  const problem = check("recording.json", value);
  if (problem) return { problem };
  const line = value as RecordingLine;
  if (line.type !== "request") return { line };
  const request = readStoredRequest(line.request);
  if (!request) return { problem: "the request is neither {kind, text} nor {sql}" };
  const upgraded = { ...line, request };
  const result = line.result as Record<string, unknown> | undefined;
  if (result && result.kind === undefined && result.error === undefined) {
    upgraded.result = { kind: "sql", command_tag: String(result.command_tag ?? ""), rows: Number(result.rows ?? 0), masked_columns: (result.masked_columns as string[] | undefined) ?? [] };
  }
  return { line: upgraded };
}
