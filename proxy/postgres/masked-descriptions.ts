import { readRowDescription, rowDescription, type FieldDescription } from "./protocol/backend-messages.js";
import { describeMasked, planColumns, type ColumnMask, type ResolvedMask } from "./row-masker.js";

/** A RowDescription read against a decision's masks: its fields, the columns to mask, and what the client is sent. */
export interface MaskedDescription {
  fields: readonly FieldDescription[];
  plan: readonly ColumnMask[];
  /** The RowDescription message with masked columns retyped; undefined when nothing is masked (the server's message goes as it came). */
  message: Buffer | undefined;
}

/** Enough for the few result shapes a session repeats; older ones are read again. */
const KEPT = 8;

/**
 * The RowDescriptions of one session's masked results, by the server's bytes and the masks that applied.
 * A prepared statement's result is described again on every execution (libpq describes the portal each
 * time), and a masked lookup would otherwise read, plan and write the same description per statement.
 * An entry serves only the same bytes under the same masks array: a decision's resolved masks are frozen
 * and shared per statement shape while its catalog entries last, so a changed decision or catalog is a
 * new array and a new entry. What it hands out is frozen: a holder cannot change the next statement's.
 */
export class MaskedDescriptions {
  private entries: Array<{ body: Buffer; masks: readonly ResolvedMask[]; described: MaskedDescription }> = [];

  describe(body: Buffer, masks: readonly ResolvedMask[]): MaskedDescription {
    for (const entry of this.entries) if (entry.masks === masks && entry.body.equals(body)) return entry.described;
    const fields = Object.freeze(readRowDescription(body).map((f) => Object.freeze(f)));
    const plan = Object.freeze(planColumns(fields, masks).map((m) => Object.freeze(m)));
    const described = Object.freeze({ fields, plan, message: plan.length > 0 ? rowDescription(describeMasked(fields, plan)) : undefined });
    if (this.entries.length >= KEPT) this.entries.pop();
    // The body is copied: the frame's bytes are a view of a whole socket chunk that should not be kept alive.
    this.entries.unshift({ body: Buffer.from(body), masks, described });
    return described;
  }
}
