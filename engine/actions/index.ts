import { loadSqlParser, normalizeSql, type CatalogIndex } from "./sql/index.js";
import type { Action } from "../policy/types.js";

/** The raw request as it crossed the wire; one key names its kind. */
export type RawRequest = { sql: string };

/** Loads whatever the normalizers need before their synchronous use (the PostgreSQL parser's WASM). */
export async function loadNormalizers(): Promise<void> {
  await loadSqlParser();
}

/** What the target told the gateway about itself, which a normalizer may resolve names against. */
export interface TargetFacts {
  catalog?: CatalogIndex;
  /** The target server's major version (from its `server_version`), for reading statements with its grammar. */
  serverMajor?: number;
}

/** Turns a raw request into its action document. Never throws: what cannot be parsed says so inside. */
export function normalizeRequest(request: RawRequest, facts: TargetFacts = {}): Action {
  return normalizeSql(request.sql, { ...(facts.catalog ? { catalog: facts.catalog } : {}), ...(facts.serverMajor !== undefined ? { serverMajor: facts.serverMajor } : {}) });
}
