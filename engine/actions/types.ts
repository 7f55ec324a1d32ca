/**
 * The kinds of request the gateway decides, as tagged unions: the raw request as it crossed the wire
 * (`RawRequest`), the action document a normalizer makes of it (`Action`), and what came back
 * (`RequestResult`). Type-only, so every part of the engine and every proxy can name them without
 * importing a normalizer.
 */
import type { SqlAction } from "./sql/types.js";

/** The text of one Query or Parse message (PostgreSQL). */
export interface SqlRequest {
  kind: "sql";
  text: string;
}

/** The raw request as it crossed the wire; `kind` names the normalizer that reads it. */
export type RawRequest = SqlRequest;

export type RequestKind = RawRequest["kind"];

/** The action document: what the request does, one schema per kind (schemas/action.<kind>.json). */
export type Action = SqlAction;

/** What the target answered to a SQL request: metadata only, never row values. */
export interface SqlResult {
  kind: "sql";
  command_tag: string;
  rows: number;
  /** The result columns that were masked (schema.table.column). */
  masked_columns: string[];
}

/** What came back for a request, per kind, for recordings and the audit log. */
export type RequestResult = SqlResult;

/** A request the client got an error for instead of a result: the error in its protocol's terms (PostgreSQL's error code, an exit status, an HTTP status). */
export interface RefusedResult {
  error: { code?: string; message: string };
}
