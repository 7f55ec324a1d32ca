import type { RelationName } from "./types.js";

/** Small, total accessors over the untyped libpg_query tree: every miss is `undefined`, never a throw. */

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The single `{ Type: fields }` entry of a node, or undefined when `value` is not a node. */
export function nodeOf(value: unknown): [string, Record<string, unknown>] | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const type = keys[0]!;
  const fields = value[type];
  if (!isObject(fields) || type[0] !== type[0]!.toUpperCase()) return undefined;
  return [type, fields];
}

/** The fields of `value` when it is a node of `type`. */
export function fieldsOf(value: unknown, type: string): Record<string, unknown> | undefined {
  const node = nodeOf(value);
  return node && node[0] === type ? node[1] : undefined;
}

export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  const wrapped = fieldsOf(value, "List");
  if (wrapped && Array.isArray(wrapped.items)) return wrapped.items;
  return [];
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The text of a `String` node (`{String: {sval}}`), as used in name lists. */
export function stringNode(value: unknown): string | undefined {
  const fields = fieldsOf(value, "String");
  return fields ? str(fields.sval) ?? "" : undefined;
}

/** A dotted name list (`[String, String]`) as plain strings; A_Star becomes `*`. */
export function nameList(value: unknown): string[] {
  return list(value).map((item) => stringNode(item) ?? (fieldsOf(item, "A_Star") ? "*" : "?"));
}

/** A RangeVar (the fields, not the node) as a relation name. */
export function relationOf(rangeVar: unknown): RelationName | undefined {
  if (!isObject(rangeVar)) return undefined;
  const fields = fieldsOf(rangeVar, "RangeVar") ?? rangeVar;
  const name = str(fields.relname);
  if (name === undefined) return undefined;
  return { schema: str(fields.schemaname) ?? null, name };
}

/** The alias a RangeVar or subquery is known by inside the statement. */
export function aliasOf(fields: Record<string, unknown>): string | undefined {
  const alias = fields.alias;
  return isObject(alias) ? str(alias.aliasname) : undefined;
}

/** Turns a dotted name list into a relation name (`a.b` → schema a, name b; `c.a.b` drops the catalog). */
export function relationFromNames(names: string[]): RelationName | undefined {
  if (names.length === 0) return undefined;
  const name = names[names.length - 1]!;
  const schema = names.length >= 2 ? names[names.length - 2]! : null;
  return { schema, name };
}
