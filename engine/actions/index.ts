import { loadSqlParser, normalizeSql } from "./sql/index.js";
import type { Action } from "../policy/types.js";

/** The raw request as it crossed the wire; one key names its kind. */
export type RawRequest = { sql: string };

/** Loads whatever the normalizers need before their synchronous use (the PostgreSQL parser's WASM). */
export async function loadNormalizers(): Promise<void> {
  await loadSqlParser();
}

/** Turns a raw request into its action document. Never throws: what cannot be parsed says so inside. */
export function normalizeRequest(request: RawRequest): Action {
  return normalizeSql(request.sql);
}
