/**
 * Canonical JSON, as RFC 8785 (JSON Canonicalization Scheme) defines it for the values an audit record
 * holds: object keys sorted by UTF-16 code units, no whitespace, strings and numbers serialized as
 * ECMAScript's JSON.stringify does (which is what RFC 8785 specifies for both). Keys whose value is
 * `undefined` are left out, as JSON.stringify leaves them out when a record is written, so a record hashes
 * the same before writing and after reading it back.
 * https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no representation for ${value}`);
      return JSON.stringify(value);
    case "object": {
      // Built by concatenation, without intermediate arrays: every audit record is serialized here once.
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          out += (i === 0 ? "" : ",") + canonicalJson(item === undefined ? null : item);
        }
        return `${out}]`;
      }
      const object = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, which is RFC 8785's order.
      const keys = Object.keys(object).sort();
      let out = "{";
      for (const k of keys) {
        const child = object[k];
        if (child === undefined) continue;
        out += `${out.length === 1 ? "" : ","}${JSON.stringify(k)}:${canonicalJson(child)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no representation for a ${typeof value}`);
  }
}
