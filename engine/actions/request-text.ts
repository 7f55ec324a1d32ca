import { readStoredRequest } from "./stored-request.js";
import type { RawRequest, RequestResult } from "./types.js";

/**
 * How people read a request: its text and the language to show it in. The console, the CLI and
 * approvals show requests through this, never by reading a kind's fields.
 */
export interface RequestDisplay {
  /** The language the text is written in, for highlighting: `sql` (PostgreSQL), `shell` (bash), `file` (an SFTP operation) or `kubernetes` (an HTTP request). */
  language: RawRequest["kind"];
  text: string;
}

export function describeRequest(request: RawRequest): RequestDisplay {
  return { language: request.kind, text: request.text };
}

/** The request's text as sent. */
export function requestText(request: RawRequest): string {
  return request.text;
}

/** Characters of text in the request: what decides whether it is analysed off the event loop. */
export function requestSize(request: RawRequest): number {
  return request.text.length;
}

/** The text of a request as stored (an audit record, an approval), in today's form or an earlier one; empty when it has none. */
export function storedRequestText(stored: unknown): string {
  return readStoredRequest(stored)?.text ?? "";
}

/** How people read what came back for a request: one line, and the result columns that were masked. */
export function describeResult(result: RequestResult): { summary: string; masked: string[] } {
  switch (result.kind) {
    case "sql":
      return { summary: [result.command_tag, `${result.rows} row${result.rows === 1 ? "" : "s"}`].filter(Boolean).join(" · "), masked: result.masked_columns };
    case "kubernetes":
      return { summary: [`HTTP ${result.status}`, result.exit_status === undefined ? "" : `exit ${result.exit_status ?? "?"}`, `${result.response_bytes} bytes out, ${result.request_bytes} bytes in`].filter(Boolean).join(" · "), masked: result.masked_paths };
    case "shell":
      return { summary: `${result.signal ? `killed by SIG${result.signal}` : `exit ${result.exit_status ?? "?"}`} · ${result.stdout_bytes} bytes out, ${result.stderr_bytes} bytes err`, masked: [] };
    case "file":
      return { summary: `${result.status} · ${result.bytes} bytes`, masked: [] };
  }
}
