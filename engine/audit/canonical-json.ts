/**
 * Canonical JSON, as RFC 8785 (JSON Canonicalization Scheme) defines it for the values an audit record
 * holds: object keys sorted by UTF-16 code units, no whitespace, strings and numbers serialized as
 * ECMAScript's JSON.stringify does (which is what RFC 8785 specifies for both). Keys whose value is
 * `undefined` are left out, as JSON.stringify leaves them out when a record is written, so a record hashes
 * the same before writing and after reading it back.
 * https://www.rfc-editor.org/rfc/rfc8785
 */
export function canonicalJson(value: unknown, onKey?: (key: string) => void): string {
  // Nearly every value is written by code that already puts keys in sorted order, or has few objects
  // that do not: those are copied in order, and the engine's own JSON.stringify (which serializes
  // strings and numbers exactly as RFC 8785 says) does the rest. What it cannot order (integer-like
  // keys, which every object lists first, in numeric order) or would serialize differently (toJSON)
  // takes the walk below.
  try {
    return JSON.stringify(inKeyOrder(value, onKey));
  } catch (error) {
    if (error !== UNORDERABLE) throw error;
    return canonicalWalk(value, onKey);
  }
}

const UNORDERABLE = new Error("unorderable");

/**
 * `value` itself when every object in it lists its keys in canonical order, else a copy whose objects
 * do (sharing every part already in order). Throws a TypeError on what JSON cannot hold, as the walk does.
 */
function inKeyOrder(value: unknown, onKey: ((key: string) => void) | undefined): unknown {
  if (value === null) return value;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no representation for ${value}`);
      return value;
    case "object": {
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") throw UNORDERABLE;
      if (Array.isArray(value)) {
        let copy: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          const ordered = item === undefined ? null : inKeyOrder(item, onKey);
          if (ordered !== item && !copy) copy = value.slice(0, i);
          if (copy) copy.push(ordered);
        }
        return copy ?? value;
      }
      const object = value as Record<string, unknown>;
      const keys = Object.keys(object);
      let sorted = true;
      let changed = false;
      const children: unknown[] = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        onKey?.(k);
        if (i > 0 && keys[i - 1]! > k) sorted = false;
        const child = object[k];
        const ordered = child === undefined ? undefined : inKeyOrder(child, onKey);
        children[i] = ordered;
        if (ordered !== child) changed = true;
      }
      if (sorted && !changed) return value;
      const order = keys.map((_key, i) => i);
      if (!sorted) order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
      const copy = Object.create(null) as Record<string, unknown>;
      for (const i of order) copy[keys[i]!] = children[i];
      // Integer-like keys are listed first whatever the insertion order: the copy is no better then.
      const listed = Object.keys(copy);
      for (let i = 1; i < listed.length; i++) if (listed[i - 1]! > listed[i]!) throw UNORDERABLE;
      return copy;
    }
    default:
      throw new TypeError(`canonical JSON has no representation for a ${typeof value}`);
  }
}

/** The reference serialization: every key sorted and every value written here. */
export function canonicalWalk(value: unknown, onKey?: (key: string) => void): string {
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
          out += (i === 0 ? "" : ",") + canonicalWalk(item === undefined ? null : item, onKey);
        }
        return `${out}]`;
      }
      const object = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, which is RFC 8785's order.
      const keys = Object.keys(object).sort();
      let out = "{";
      for (const k of keys) {
        onKey?.(k);
        const child = object[k];
        if (child === undefined) continue;
        out += `${out.length === 1 ? "" : ","}${JSON.stringify(k)}:${canonicalWalk(child, onKey)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON has no representation for a ${typeof value}`);
  }
}
