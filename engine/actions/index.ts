import { normalizeFile } from "./file/index.js";
import { normalizeKubernetes, unreadable } from "./kubernetes/index.js";
import { loadShellParser, normalizeShell } from "./shell/index.js";
import { loadSqlParser, normalizeSql } from "./sql/index.js";
import type { CatalogIndex } from "./sql/catalog.js";
import type { Action, RawRequest } from "./types.js";

export type { Action, FileRequest, FileResult, KubernetesRequest, KubernetesResult, RawRequest, RefusedResult, RequestKind, RequestResult, ShellRequest, ShellResult, SqlRequest, SqlResult } from "./types.js";
export { describeRequest, requestSize, requestText, type RequestDisplay } from "./request-text.js";
export { readStoredRequest } from "./stored-request.js";

/** Loads whatever the normalizers need before their synchronous use (the PostgreSQL parser's and the bash grammar's WASM). */
export async function loadNormalizers(): Promise<void> {
  await Promise.all([loadSqlParser(), loadShellParser()]);
}

/** What the target told the gateway about itself, which a normalizer may resolve names against. */
export interface TargetFacts {
  catalog?: CatalogIndex;
  /** The target server's major version (from its `server_version`), for reading statements with its grammar. */
  serverMajor?: number;
  /** Paths as the target resolved them (SFTP's realpath), for file operations. */
  paths?: Record<string, string>;
}

/** Turns a raw request into its action document by its kind's normalizer. Never throws: what cannot be parsed says so inside. */
export function normalizeRequest(request: RawRequest, facts: TargetFacts = {}): Action {
  switch (request.kind) {
    case "sql":
      return normalizeSql(request.text, { ...(facts.catalog ? { catalog: facts.catalog } : {}), ...(facts.serverMajor !== undefined ? { serverMajor: facts.serverMajor } : {}) });
    case "shell": {
      const action = normalizeShell(request.text, { interactive: request.interactive === true });
      if (request.env && Object.keys(request.env).length > 0) action.env = { ...request.env };
      return action;
    }
    case "file":
      return normalizeFile(request, facts.paths);
    case "kubernetes":
      return normalizeKubernetes(request.text);
  }
}

/** The action of a request that was not analysed (too large, or its analysis failed): its reason as a parse error, which policies deny. */
export function unanalysedAction(request: RawRequest, message: string): Action {
  switch (request.kind) {
    case "sql":
      return { kind: "sql", statements: [], parse_error: { message, position: 0 } };
    case "shell":
      return { kind: "shell", text: request.text, interactive: request.interactive === true, commands: [], dynamic: true, dynamic_reasons: [message], parse_error: { message, position: 0 } };
    case "file":
      // A file operation is never too large to read; its path is kept, unresolved, for the record.
      return normalizeFile(request);
    case "kubernetes": {
      const line = request.text.split("\n", 1)[0] ?? "";
      const space = line.indexOf(" ");
      return unreadable(space < 0 ? line : line.slice(0, space), space < 0 ? "" : line.slice(space + 1).split("?")[0]!, message, 0);
    }
  }
}
