import type { ErrorFields, FieldDescription } from "./protocol/backend-messages.js";
import type { ColumnMask, ResolvedMask } from "./row-masker.js";

/** A prepared statement as the gateway knows it: its decision's masks and, once described, its columns. */
export interface PreparedStatement {
  sql: string;
  masks: ResolvedMask[];
  ddl: boolean;
  fields?: FieldDescription[];
}

export interface Portal {
  statement: PreparedStatement;
  formats: number[];
  plan?: ColumnMask[];
  /** The relay's request cycle it was bound in: the server drops a portal when its transaction ends. */
  cycle?: number;
}

/**
 * What the gateway expects back from upstream for each message it forwarded, in order. Responses are
 * matched to their request through this queue: the masks of an Execute are its portal's, the columns
 * of a Describe are its statement's, and a denial is slotted in just before the ReadyForQuery that
 * ends its cycle, so the client sees every response in the order a server would send it.
 */
export type Pending =
  | { kind: "query"; sql: string; masks: ResolvedMask[]; ddl: boolean; plan: ColumnMask[]; rows: number; started: number }
  | { kind: "sync"; injectError?: ErrorFields }
  | { kind: "parse" }
  | { kind: "bind" }
  | { kind: "describe-statement"; statement: PreparedStatement; hidden: boolean }
  | { kind: "describe-portal"; portal: Portal }
  | { kind: "execute"; portal: Portal; rows: number; started: number }
  | { kind: "close" };

/** Kinds answered in an extended-protocol cycle: after an ErrorResponse the server skips them until Sync. */
export function isExtended(p: Pending): boolean {
  return p.kind !== "query" && p.kind !== "sync";
}
