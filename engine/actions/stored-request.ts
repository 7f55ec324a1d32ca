import { shorthandSqlRequest } from "./sql/request.js";
import type { RawRequest } from "./types.js";

const KINDS: ReadonlySet<string> = new Set<RawRequest["kind"]>(["sql", "shell", "file", "kubernetes"]);

/**
 * Reads a request from a document written by a person or an earlier Portcullis: the tagged form
 * `{kind, text, …}`, or a kind's shorthand (`{sql: TEXT}`). Fields beside the request (a cut text's
 * `text_bytes`, `text_sha256`) are kept. Undefined when it is neither.
 */
export function readStoredRequest(value: unknown): (RawRequest & Record<string, unknown>) | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const document = value as Record<string, unknown>;
  if (typeof document.kind === "string") {
    return KINDS.has(document.kind) && typeof document.text === "string" ? (document as RawRequest & Record<string, unknown>) : undefined;
  }
  return shorthandSqlRequest(document);
}
