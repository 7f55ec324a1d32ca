/**
 * The `file` action document: one file operation a client asked for over SFTP (or `scp`, which is
 * SFTP in OpenSSH 9), with the path as the client wrote it and as the target's own server resolved it.
 * These types mirror `schemas/action.file.json`.
 */

/** What the operation does to the file it names. `list` reads a directory, `setstat` changes modes, owners or times. */
export type FileOperation = "read" | "write" | "remove" | "rename" | "mkdir" | "rmdir" | "setstat" | "symlink" | "list";

export interface FileAction {
  kind: "file";
  operation: FileOperation;
  /** The path as the client sent it. */
  path: string;
  /**
   * The absolute path the operation reaches, as the target resolved it (its home directory, `..`,
   * and symbolic links of every directory on the way; of the file itself too for reads, writes and
   * setstat, which follow it). Policies match this, never `path`.
   */
  resolved: string;
  /** For `rename` and `symlink`: the second path (the new name, or the link's target as written). */
  to?: string;
  /** `to` as the target resolved it (rename only: a link's target is not opened). */
  to_resolved?: string;
  /** For `write`: the open truncates or creates, or only appends. */
  mode?: "create" | "truncate" | "append" | "update";
}
