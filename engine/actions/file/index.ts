import type { FileRequest } from "../types.js";
import type { FileAction } from "./types.js";

export type { FileAction, FileOperation } from "./types.js";

/**
 * Makes the action document of a file operation. `resolve` gives the target's resolution of a path
 * (found by the proxy before deciding, from the target itself); a path it could not resolve stays as
 * its lexical normalization when absolute, which policies see as it is.
 */
export function normalizeFile(request: FileRequest, resolved: Record<string, string> = {}): FileAction {
  const action: FileAction = { kind: "file", operation: request.operation, path: request.path, resolved: resolved[request.path] ?? lexical(request.path) };
  if (request.to !== undefined) {
    action.to = request.to;
    if (request.operation === "rename") action.to_resolved = resolved[request.to] ?? lexical(request.to);
  }
  if (request.mode !== undefined) action.mode = request.mode;
  return action;
}

/**
 * `/a/./b//../c` → `/a/c`; a relative path is left relative (it is relative to a home directory the
 * text does not tell). Only a fallback: symbolic links make `..` mean something else on the target.
 */
export function lexical(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length > 0 && parts.at(-1) !== "..") parts.pop();
      else if (!absolute) parts.push("..");
      continue;
    }
    parts.push(part);
  }
  return absolute ? `/${parts.join("/")}` : parts.join("/") || ".";
}

/** The one line people read for a file request (the console, approvals): the operation and its JSON-quoted paths. */
export function fileRequestText(operation: FileRequest["operation"], path: string, to?: string): string {
  return `${operation} ${JSON.stringify(path)}${to !== undefined ? ` ${JSON.stringify(to)}` : ""}`;
}
