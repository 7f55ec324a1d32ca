/**
 * The kinds of request the gateway decides, as tagged unions: the raw request as it crossed the wire
 * (`RawRequest`), the action document a normalizer makes of it (`Action`), and what came back
 * (`RequestResult`). Type-only, so every part of the engine and every proxy can name them without
 * importing a normalizer.
 */
import type { FileAction, FileOperation } from "./file/types.js";
import type { KubernetesAction } from "./kubernetes/types.js";
import type { ShellAction } from "./shell/types.js";
import type { SqlAction } from "./sql/types.js";

/** The text of one Query or Parse message (PostgreSQL). */
export interface SqlRequest {
  kind: "sql";
  text: string;
}

/** One shell command line (an SSH `exec`, or a line typed in command mode); `interactive` for a shell with a pty, decided as a whole. */
export interface ShellRequest {
  kind: "shell";
  text: string;
  interactive?: boolean;
  /** Variables the client asked to set (SSH `env` requests), which the policy sees as `action.env`. */
  env?: Record<string, string>;
}

/**
 * One file operation (an SFTP request). `text` is how people read it (`write "/etc/hosts"`, paths
 * JSON-quoted so it is unambiguous); the normalizer reads the fields.
 */
export interface FileRequest {
  kind: "file";
  text: string;
  operation: FileOperation;
  path: string;
  to?: string;
  mode?: "create" | "truncate" | "append" | "update";
}

/**
 * One Kubernetes API request as one text shaped like an HTTP/1.1 request message: `METHOD TARGET`, the
 * headers policy reads (Content-Type, Impersonate-*), a blank line, the body (see kubernetes/request-text.ts).
 */
export interface KubernetesRequest {
  kind: "kubernetes";
  text: string;
}

/** The raw request as it crossed the wire; `kind` names the normalizer that reads it. */
export type RawRequest = SqlRequest | ShellRequest | FileRequest | KubernetesRequest;

export type RequestKind = RawRequest["kind"];

/** The action document: what the request does, one schema per kind (schemas/action.<kind>.json). */
export type Action = SqlAction | ShellAction | FileAction | KubernetesAction;

/** What the target answered to a SQL request: metadata only, never row values. */
export interface SqlResult {
  kind: "sql";
  command_tag: string;
  rows: number;
  /** The result columns that were masked (schema.table.column). */
  masked_columns: string[];
}

/** What a shell command ended with, and how much it wrote (never what). */
export interface ShellResult {
  kind: "shell";
  /** The exit status; null when a signal ended it. */
  exit_status: number | null;
  /** The signal that ended it (`TERM`, `KILL`, …), when one did. */
  signal?: string;
  stdout_bytes: number;
  stderr_bytes: number;
}

/** What a file operation ended with: the SFTP status, and the bytes moved through its handle (reads and writes). */
export interface FileResult {
  kind: "file";
  status: "ok" | "error";
  bytes: number;
}


/** What the apiserver answered a Kubernetes request: its status, how much went each way, what was masked (never the bodies). */
export interface KubernetesResult {
  kind: "kubernetes";
  /** The HTTP status (101 for an upgraded stream). */
  status: number;
  /** Bytes sent to the client, and for a stream also from it. */
  response_bytes: number;
  request_bytes: number;
  /** JSON paths masked in the response (`data.*` of Secrets), without repeats. */
  masked_paths: string[];
  /** exec over WebSocket: the command's exit status from the stream's Status (null: failed without one). */
  exit_status?: number | null;
}

/** What came back for a request, per kind, for recordings and the audit log. */
export type RequestResult = SqlResult | ShellResult | FileResult | KubernetesResult;

/** A request the client got an error for instead of a result: the error in its protocol's terms (PostgreSQL's error code, an exit status, an HTTP status). */
export interface RefusedResult {
  error: { code?: string; message: string };
}
