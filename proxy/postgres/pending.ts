import type { ErrorFields, FieldDescription } from "./protocol/backend-messages.js";
import type { SqlStatement } from "../../engine/actions/sql/types.js";
import type { ColumnMask, ResolvedMask } from "./row-masker.js";
import type { RowLimit } from "./row-limit.js";
import type { RowCap } from "./row-cap.js";
import type { Allowance } from "../gate/budgets.js";

/** A prepared statement as the gateway knows it: its decision's masks and, once described, its columns. */
export interface PreparedStatement {
  sql: string;
  masks: ResolvedMask[];
  ddl: boolean;
  fields?: readonly FieldDescription[];
  /**
   * The request cycle in which the Parse's own decision also stands for one execution: a Parse and an
   * Execute sent together (the unnamed statement of most drivers) are decided once. Any other
   * execution is decided again. Unset when the Parse was only allowed to prepare (approval pending).
   */
  decidedForCycle?: number;
  /** The row limit of the Parse's decision, for the execution that decision stands for. */
  rowLimit?: RowLimit;
  /** The rows the Parse's decision lets that execution return, when it limits them. */
  rows?: Allowance;
  /** The Parse's decision (its number in the session), which the result of that execution names. */
  requestId?: number;
  /** The masks the client's last Describe of it (statement or portal) was answered with: how it reads the rows. */
  describedWith?: ResolvedMask[];
}

/**
 * A statement run under a row limit: the server's count decides whether it stands, and the rows it
 * returns are cut at the cap. `settle` lets the
 * client's next messages through once the count is known (nothing may reach the server before).
 */
export interface LimitWatch {
  /** The most rows a counted change may change (Infinity when only returned rows are limited). */
  max: number;
  /** The rows the client may receive, when the decision limits them (see row-cap.ts). */
  rows?: RowCap;
  settle: () => void;
  /** The Sync that ends the gateway's own extended cycle (for a Query run that way) was sent. */
  synced: boolean;
  /** For a Query: its statements' texts, sent one at a time, and which of them are counted. */
  texts: string[];
  counted: boolean[];
  /** The statement whose CommandComplete comes next. */
  index: number;
}

export interface Portal {
  statement: PreparedStatement;
  formats: number[];
  plan?: readonly ColumnMask[];
  /** The relay's request cycle it was bound in: the server drops a portal when its transaction ends. */
  cycle?: number;
  /** Rows its Executes returned so far (a portal fetched in parts), held to the row limit together. */
  sent?: number;
}

/**
 * What the gateway expects back from upstream for each message it forwarded, in order. Responses are
 * matched to their request through this queue: the masks of an Execute are its portal's, the columns
 * of a Describe are its statement's, and a refusal replaces the error of the stand-in the server was
 * made to fail, so the client sees every response in the order a server would send it.
 */
export type Pending =
  | {
      kind: "query";
      /** The decision its result is recorded under; none for a refused request. */
      requestId?: number;
      masks: ResolvedMask[];
      ddl: boolean;
      plan: readonly ColumnMask[];
      rows: number;
      started: number;
      /** The request's own statements, matched to the server's command completions in order. */
      statements: SqlStatement[];
      completedStatements: number;
      /** Run under a row limit as an extended cycle the gateway ends (see row-limit.ts). */
      limit?: LimitWatch;
      /** A refused request: the server fails a stand-in, and its error is replaced by this one. */
      replaceError?: ErrorFields;
    }
  | { kind: "sync" }
  | { kind: "parse"; name?: string; statement?: PreparedStatement; replaceError?: ErrorFields }
  | { kind: "bind"; name?: string; portal?: Portal }
  /** `masks`: those the description is answered with, as they were when the Describe was sent (a later decision may change the statement's). */
  | { kind: "describe-statement"; statement: PreparedStatement; hidden: boolean; masks: ResolvedMask[] }
  | { kind: "describe-portal"; portal: Portal; masks: ResolvedMask[] }
  | { kind: "execute"; portal: Portal; requestId?: number; masks: ResolvedMask[]; plan?: readonly ColumnMask[]; rows: number; started: number; limit?: LimitWatch }
  | { kind: "close" };

/** Kinds answered in an extended-protocol cycle: after an ErrorResponse the server skips them until Sync. */
export function isExtended(p: Pending): boolean {
  return p.kind !== "query" && p.kind !== "sync";
}
