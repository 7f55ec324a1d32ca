/**
 * Built-in functions that only compute a value from their arguments: no side effect, nothing stored or
 * sent anywhere. Called in a filter (WHERE, JOIN ... ON, GROUP BY, HAVING, ORDER BY), their arguments
 * only choose rows, like a bare column. Any other function called there gets the value itself and may
 * pass it on (`pg_notify('c', ssn)` sends it to a listener, `lo_from_bytea` keeps it in a large object,
 * `setval` or `pg_advisory_lock` leave it where another query reads it), so its arguments are derived.
 * Matched on the unqualified, lower-case name, or on a `pg_catalog.` one. A function of the same name
 * defined in the database is the gateway's concern: it refuses those for callers with masked columns.
 */
export const FILTER_SAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates (in HAVING and ORDER BY)
  "count",
  "min",
  "max",
  "sum",
  "avg",
  "every",
  "bool_and",
  "bool_or",
  // text
  "lower",
  "upper",
  "length",
  "char_length",
  "character_length",
  "octet_length",
  "btrim",
  "ltrim",
  "rtrim",
  "substr",
  "substring",
  "left",
  "right",
  "strpos",
  "position",
  "starts_with",
  "replace",
  "split_part",
  // numbers, dates and times
  "abs",
  "round",
  "floor",
  "ceil",
  "trunc",
  "date_trunc",
  "date_part",
  "extract",
  "age",
]);

/** True when `names` (a FuncCall's name list) is one of the functions above. */
export function isFilterSafe(names: string[]): boolean {
  const lower = names.map((n) => n.toLowerCase());
  const bare = lower[lower.length - 1] ?? "";
  const schema = lower.length === 2 ? lower[0] : undefined;
  return lower.length <= 2 && (schema === undefined || schema === "pg_catalog") && FILTER_SAFE_FUNCTIONS.has(bare);
}
