import type { CatalogIndex } from "./catalog.js";
import type { SideEffect } from "./types.js";

/**
 * Whether a called function may act beyond returning a value. PostgreSQL marks every function in
 * pg_proc.provolatile: immutable and stable functions cannot modify the database (the manual, "Function
 * Volatility Categories"); a volatile one may, and may send its arguments anywhere: a notification, a
 * large object, a sequence, a setting, a lock another session sees. A value passed to a volatile
 * function therefore leaves the statement, whatever clause the call sits in.
 *
 * The target's catalog decides. Without it (or for a name it does not hold) only the built-in functions
 * below count as non-volatile; every other function is taken as volatile (fail closed). A test checks
 * the list against a real server: each name has only immutable or stable overloads in its pg_proc.
 */
export const NON_VOLATILE_BUILTINS: ReadonlySet<string> = new Set([
  // aggregates
  "count", "min", "max", "sum", "avg", "every", "bool_and", "bool_or", "string_agg", "array_agg",
  "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "stddev", "variance",
  // window functions
  "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
  "first_value", "last_value", "nth_value",
  // text
  "lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length", "bit_length",
  "btrim", "ltrim", "rtrim", "substr", "substring", "left", "right", "strpos", "position", "starts_with",
  "replace", "split_part", "translate", "reverse", "repeat", "lpad", "rpad", "concat", "concat_ws",
  "format", "md5", "encode", "decode", "convert_to", "convert_from", "ascii", "chr", "to_hex",
  "quote_ident", "quote_literal", "quote_nullable", "regexp_replace", "regexp_match", "regexp_matches",
  "regexp_split_to_array", "regexp_split_to_table", "string_to_array", "array_to_string", "overlay",
  // numbers
  "abs", "round", "floor", "ceil", "ceiling", "trunc", "mod", "power", "sqrt", "exp", "ln", "log",
  "sign", "div", "width_bucket",
  // dates and times (now() and friends are stable: fixed for the transaction)
  "now", "date_trunc", "date_part", "extract", "age", "to_char", "to_date", "to_timestamp", "to_number",
  "make_date", "make_interval", "make_timestamp", "justify_days", "justify_hours", "justify_interval",
  "transaction_timestamp", "statement_timestamp",
  // arrays, JSON, rows
  "array_length", "array_upper", "array_lower", "cardinality", "array_position", "array_positions",
  "array_append", "array_prepend", "array_cat", "array_remove", "unnest", "generate_series",
  "to_json", "to_jsonb", "row_to_json", "array_to_json", "json_build_object", "jsonb_build_object",
  "json_build_array", "jsonb_build_array", "json_extract_path_text", "jsonb_extract_path_text",
  "jsonb_set", "jsonb_typeof", "json_typeof", "jsonb_array_length", "json_array_length",
  "jsonb_each", "jsonb_each_text", "jsonb_array_elements", "jsonb_array_elements_text",
  // functions the grammar calls for SQL syntax (AT TIME ZONE, OVERLAPS, LIKE … ESCAPE, IS NORMALIZED …)
  "timezone", "overlaps", "normalize", "is_normalized", "pg_collation_for", "similar_to_escape", "like_escape", "xmlexists",
  // more text, JSON and text search
  "sha224", "sha256", "sha384", "sha512", "string_to_table", "json_each", "json_each_text", "json_array_elements",
  "json_object_keys", "jsonb_object_keys", "jsonb_pretty", "jsonb_strip_nulls", "jsonb_insert", "jsonb_path_exists",
  "jsonb_path_match", "jsonb_path_query", "jsonb_path_query_array", "jsonb_path_query_first", "to_tsvector", "to_tsquery",
  "plainto_tsquery", "websearch_to_tsquery", "ts_rank", "ts_headline", "date_bin",
  // session facts
  "current_setting", "current_database", "current_schema", "version", "pg_typeof", "format_type",
  "has_table_privilege", "has_column_privilege", "has_schema_privilege",
]);

/**
 * The built-in's name a call names: unqualified, or in pg_catalog (`db.pg_catalog.f` too). Names are
 * compared as the parser gives them: an unquoted name is already lower case, a quoted `"LOWER"` is
 * another function, which may be anything.
 */
function builtinName(names: string[]): string | undefined {
  const path = names.length === 3 ? names.slice(1) : names;
  if (path.length > 2 || (path.length === 2 && path[0] !== "pg_catalog")) return undefined;
  return path[path.length - 1];
}

/**
 * True when the function named by `names` (a FuncCall's name list) may be volatile: the catalog holds a
 * volatile overload of it (overloads are not told apart by argument types here), or it is neither in the
 * catalog nor a known non-volatile built-in.
 */
export function mayBeVolatile(names: string[], catalog: CatalogIndex | undefined): boolean {
  const bare = names[names.length - 1] ?? "";
  if (catalog) {
    const schema = names.length >= 2 ? names[names.length - 2]! : null;
    const overloads = catalog.functions(schema, bare);
    if (overloads.length > 0) return overloads.some((f) => f.volatility === "volatile");
  }
  const builtin = builtinName(names);
  return builtin === undefined || !NON_VOLATILE_BUILTINS.has(builtin);
}

/**
 * Built-in functions whose effect outlives the statement, so another statement or session can read
 * back what they were given: they write, like INSERT or UPDATE, though the statement only selects.
 * Source: the PostgreSQL manual, "Large Objects" (server-side functions), "NOTIFY" (pg_notify),
 * "Sequence Manipulation Functions", "Configuration Settings Functions", "Advisory Lock Functions" and
 * pg_logical_emit_message.
 */
const SIDE_EFFECT_FUNCTIONS: ReadonlyMap<string, SideEffect["kind"]> = new Map([
  ...["lo_from_bytea", "lo_put", "lo_create", "lo_creat", "lo_import", "lo_export", "lo_unlink", "lowrite", "lo_truncate", "lo_truncate64"].map(
    (n) => [n, "large_object"] as const,
  ),
  ["pg_notify", "notify"],
  ...["nextval", "setval"].map((n) => [n, "sequence"] as const),
  ["set_config", "setting"],
  ...[
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
  ].map((n) => [n, "lock"] as const),
  ["pg_logical_emit_message", "wal_message"],
]);

/** The side effect a call of `names` has, when it is one of the built-ins above. */
export function sideEffectOf(names: string[]): SideEffect | undefined {
  const bare = builtinName(names);
  const kind = bare === undefined ? undefined : SIDE_EFFECT_FUNCTIONS.get(bare);
  return kind === undefined || bare === undefined ? undefined : { function: bare, kind };
}

/**
 * Operator names PostgreSQL defines in pg_catalog (checked against a real server by a test). An
 * operator by any other name, or qualified with another schema (`OPERATOR(public.===)`), runs a
 * function the text does not name, which may be volatile (`CREATE OPERATOR ### (function = pg_notify,
 * …)`): its operands are taken as values that leave.
 */
export const BUILTIN_OPERATORS: ReadonlySet<string> = new Set([
  "=", "<>", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "^", "||", "~~", "~~*", "!~~", "!~~*", "~", "~*", "!~",
  "!~*", "@>", "<@", "&&", "->", "->>", "#>", "#>>", "?", "?|", "?&", "@?", "@@", "@@@", "<<", ">>", "&", "|", "#",
  "~=", "<->", "|/", "||/", "@", "&<", "&>", "<<|", "|>>", "&<|", "|&>", "?-", "?#", "?-|", "?||", "^@", "<<=", ">>=",
  "-|-", "#-", "<^", ">^", "##",
]);

/** Names the grammar gives BETWEEN; not operators, so the server test leaves them out. */
export const GRAMMAR_OPERATOR_NAMES: ReadonlySet<string> = new Set(["BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC"]);

/** True when an A_Expr's name list is a built-in operator (`=`, `OPERATOR(pg_catalog.=)`). */
export function isBuiltinOperator(names: string[]): boolean {
  const op = builtinName(names);
  return op !== undefined && (BUILTIN_OPERATORS.has(op) || (names.length === 1 && GRAMMAR_OPERATOR_NAMES.has(op)));
}

/**
 * Built-in type names (pg_catalog, checked against a real server by a test). A cast to any other
 * type may run code the text does not name: a domain's CHECK, a cast function, a type's input function.
 * Only a name qualified with pg_catalog is sure to be the built-in: the session's temporary schema is
 * searched for type names before pg_catalog, so `x::text` may be a temporary domain named text. (The
 * grammar writes its keyword types qualified: `int`, `varchar(n)`, `boolean`, `timestamp`.)
 */
export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  "bool", "bytea", "char", "name", "int8", "int2", "int4", "text", "oid", "json", "xml", "float4", "float8", "money",
  "macaddr", "inet", "cidr", "bpchar", "varchar", "date", "time", "timestamp", "timestamptz", "interval", "timetz",
  "bit", "varbit", "numeric", "uuid", "jsonb", "jsonpath", "tsvector", "tsquery", "regclass", "regtype", "regproc",
  "regprocedure", "regoper", "regnamespace", "regrole", "int4range", "int8range", "numrange", "daterange", "tsrange",
  "tstzrange", "point", "line", "lseg", "box", "path", "polygon", "circle", "pg_lsn", "record", "unknown",
]);

/** True when a TypeName's name list is a built-in type written so that nothing can shadow it (`pg_catalog.int4`). */
export function isBuiltinType(names: string[]): boolean {
  const path = names.length === 3 ? names.slice(1) : names;
  return path.length === 2 && path[0] === "pg_catalog" && BUILTIN_TYPES.has(path[1]!);
}
