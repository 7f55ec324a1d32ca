/**
 * Field selectors as the apiserver reads them (k8s.io/apimachinery fields.ParseSelector), for the one
 * thing RequestInfo takes from them: a list or watch that requires `metadata.name` to equal one value is
 * authorized as a request for that name.
 */

type Term = { field: string; op: "!=" | "==" | "="; value: string };

const OPERATORS = ["!=", "==", "="] as const;

/** Splits on commas not escaped by a backslash. */
function splitTerms(selector: string): string[] {
  if (selector === "") return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) escaped = false;
    else if (c === "\\") escaped = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** A value's escapes (`\\`, `\,`, `\=`) removed; undefined for an unknown escape or a bare `,` or `=`. */
function unescapeValue(value: string): string | undefined {
  let out = "";
  let escaped = false;
  for (const c of value) {
    if (escaped) {
      if (c !== "\\" && c !== "," && c !== "=") return undefined;
      out += c;
      escaped = false;
    } else if (c === "\\") escaped = true;
    else if (c === "," || c === "=") return undefined;
    else out += c;
  }
  return out;
}

function splitTerm(term: string): Term | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (!term.startsWith(op, i)) continue;
      const value = unescapeValue(term.slice(i + op.length));
      return value === undefined ? undefined : { field: term.slice(0, i), op, value };
    }
  }
  return undefined;
}

/** The selector's terms in the apiserver's (sorted) order; undefined when it does not parse. */
export function parseFieldSelector(selector: string): Term[] | undefined {
  const terms: Term[] = [];
  // The apiserver sorts the raw terms before reading them, which decides which of two name terms wins.
  for (const part of splitTerms(selector).sort()) {
    if (part === "") continue;
    const term = splitTerm(part);
    if (!term) return undefined;
    terms.push(term);
  }
  return terms;
}

/** The value `field` must equal (`=` or `==`), from the first such term. */
export function requiredExactMatch(terms: Term[], field: string): string | undefined {
  return terms.find((t) => t.field === field && t.op !== "!=")?.value;
}

/** A name the apiserver accepts as one path segment: not `.` or `..`, no `/` or `%`. */
export function isPathSegmentName(name: string): boolean {
  return name !== "." && name !== ".." && !name.includes("/") && !name.includes("%");
}
