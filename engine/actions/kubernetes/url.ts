/**
 * Reading a request target the way Go's net/url does for the apiserver: the path percent-decoded
 * (`+` kept), the query split on `&` only, pairs with a `;` or a bad escape dropped, `+` as a space.
 * What the apiserver reads is what the policy must be asked about.
 */

/** Decodes %XX escapes; undefined when an escape is malformed (Go's server answers 400 then). */
function unescape(text: string, plusIsSpace: boolean): string | undefined {
  if (!text.includes("%") && !(plusIsSpace && text.includes("+"))) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (char === "+" && plusIsSpace) {
      bytes.push(0x20);
    } else {
      for (const byte of Buffer.from(char, "utf8")) bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

export interface ParsedTarget {
  /** The decoded path. */
  path: string;
  /** The raw path segments, each decoded on its own (so an encoded `/` shows as part of one segment). */
  rawSegments: string[];
  query: Map<string, string[]>;
}

export type ReadTarget = { ok: true; target: ParsedTarget } | { ok: false; message: string };

export function parseTarget(target: string): ReadTarget {
  if (target.includes("#")) return { ok: false, message: "the request target holds a '#'" };
  const question = target.indexOf("?");
  const rawPath = question < 0 ? target : target.slice(0, question);
  const rawQuery = question < 0 ? "" : target.slice(question + 1);
  const path = unescape(rawPath, false);
  if (path === undefined) return { ok: false, message: "the path holds a malformed percent escape" };
  const rawSegments: string[] = [];
  for (const piece of rawPath.split("/")) rawSegments.push(unescape(piece, false) ?? "");
  return { ok: true, target: { path, rawSegments, query: parseQuery(rawQuery) } };
}

/** Go's url.ParseQuery, keeping what it keeps: every value of every well-formed pair, in order. */
export function parseQuery(rawQuery: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  for (const pair of rawQuery.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const equals = pair.indexOf("=");
    const key = unescape(equals < 0 ? pair : pair.slice(0, equals), true);
    const value = unescape(equals < 0 ? "" : pair.slice(equals + 1), true);
    if (key === undefined || value === undefined) continue;
    const values = query.get(key);
    if (values) values.push(value);
    else query.set(key, [value]);
  }
  return query;
}

/** The first value of a query parameter, as Go's `Query().Get` (and most option decoding) reads it. */
export function firstValue(query: Map<string, string[]>, key: string): string | undefined {
  return query.get(key)?.[0];
}

/** A boolean query option as the apiserver converts it: absent, "0" or "false" (any case) is false; anything else is true. */
export function queryBool(query: Map<string, string[]>, key: string): boolean {
  const value = firstValue(query, key);
  if (value === undefined) return false;
  return !(value === "0" || value.toLowerCase() === "false");
}
