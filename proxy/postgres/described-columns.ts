import type { ErrorFields, FieldDescription } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import { planColumns, type ResolvedMask } from "./row-masker.js";

/**
 * What a client was told of a prepared statement's result columns decides how it reads the rows: a
 * masked column is described as text. A driver that described the statement once (at prepare, as JDBC
 * and asyncpg do) keeps reading its rows by that description, so an execution whose decision masks the
 * columns differently (a policy reloaded since, a column masked for this caller now) would send rows
 * the client decodes as the wrong types. The server has the same case when a table changes under a
 * prepared statement, and refuses with its own error, which drivers answer by preparing again: so does
 * the gateway.
 */

/** Whether masks `a` and `b` describe the statement's columns alike (the same columns retyped as text). */
export function describedAlike(fields: readonly FieldDescription[] | undefined, a: readonly ResolvedMask[], b: readonly ResolvedMask[]): boolean {
  if (a === b) return true;
  // Columns not read yet (the description is still on its way): masks that retype the same origins
  // the same way in the same order retype any columns alike; anything else is taken as different.
  if (!fields) return originsOf(a) === originsOf(b);
  return retypedColumns(fields, a) === retypedColumns(fields, b);
}

function originsOf(masks: readonly ResolvedMask[]): string {
  return masks.map((m) => `${m.origin.tableOid}.${m.origin.attributeNumber}${m.rule.strategy === "null" ? "n" : ""}`).join(",");
}

/** The result columns a masks list retypes as text (describeMasked in row-masker.ts): every masked column but those set to NULL. */
function retypedColumns(fields: readonly FieldDescription[], masks: readonly ResolvedMask[]): string {
  return planColumns(fields, masks)
    .filter((m) => m.rule.strategy !== "null")
    .map((m) => m.index)
    .join(",");
}

/** The server's own error for a prepared statement whose result types changed since it was described. */
export function resultTypesChanged(): ErrorFields {
  return {
    code: SQLSTATE.featureNotSupported,
    message: "cached plan must not change result type",
    detail: "Portcullis: the policy now masks this prepared statement's result columns differently from how they were described to you; prepare it again.",
  };
}
