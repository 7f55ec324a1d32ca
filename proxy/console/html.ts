import { revealHidden } from "../../engine/text/visible-text.js";

/**
 * HTML built by tagged templates that escape every interpolated value unless it is already `Html`, so a
 * page cannot forget to escape a subject, a claim or a statement: markup has to be asked for.
 * Characters a reader could not see as themselves (controls, bidirectional overrides, zero-width
 * characters) are shown as a marked escape such as `\u202e` wherever the value is page text; inside an
 * attribute the value stays exact (a form must send back what it was given).
 *
 * ```ts
 * html`<p>Requested by ${request.requester.subject}</p>`        // escaped
 * html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`        // arrays of Html are joined
 * ```
 */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Escaped page text with each hidden character replaced by a marked, visible escape. Newlines and tabs
 * stay: in a `<pre>` they are the statement's layout, elsewhere the browser shows them as a space.
 */
export function visibleHtml(value: string): string {
  return revealHidden(value, escapeHtml, (escape, char) => `<span class="ctl" title="U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}">${escape}</span>`, "\n\t");
}

/** Text of a `<title>` or `<textarea>`, where markup is not parsed: the escape alone, unmarked. */
function visibleRawText(value: string): string {
  return revealHidden(value, escapeHtml, (escape) => escape, "\n\t");
}

/** Markup that is trusted as it is: only for strings this code built itself. */
export function raw(text: string): Html {
  return new Html(text);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  let where = advance({ context: "text", tag: "", quote: "" }, out);
  values.forEach((value, i) => {
    const literal = strings[i + 1] ?? "";
    out += fragment(value, where.context) + literal;
    where = advance(where, literal);
  });
  return new Html(out);
}

/**
 * Where an interpolated value lands, read from the template's own literal text only: interpolated
 * strings are escaped (no `<`, `>` or quotes) and `Html` values are whole elements, so neither moves it.
 */
interface Position {
  context: "text" | "tag" | "rawtext";
  /** The name of the tag being read (while in "tag"), or of the element whose raw text this is. */
  tag: string;
  /** The quote of the attribute value being read, if any. */
  quote: string;
}

const RAW_TEXT_ELEMENTS = new Set(["title", "textarea"]);

function advance(start: Position, literal: string): Position {
  let { context, tag, quote } = start;
  let naming = false;
  for (let i = 0; i < literal.length; i++) {
    const c = literal[i]!;
    if (context === "rawtext") {
      if (literal.startsWith(`</${tag}`, i)) {
        context = "tag";
        tag = "";
      }
    } else if (context === "text") {
      // As an HTML parser reads it: "<" starts a tag only before a letter, "/", "!" or "?".
      if (c === "<" && /[A-Za-z/!?]/.test(literal[i + 1] ?? "")) {
        context = "tag";
        tag = "";
        naming = true;
      }
    } else if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") {
      context = RAW_TEXT_ELEMENTS.has(tag.toLowerCase()) ? "rawtext" : "text";
      naming = false;
    } else if (naming && /[A-Za-z0-9]/.test(c)) tag += c;
    else naming = false;
  }
  return { context, tag, quote };
}

function fragment(value: unknown, context: Position["context"]): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map((v) => fragment(v, context)).join("");
  if (value === undefined || value === null || value === false) return "";
  const text = String(value);
  return context === "tag" ? escapeHtml(text) : context === "rawtext" ? visibleRawText(text) : visibleHtml(text);
}

/** A time as people read it in a table: `2026-11-23 10:04:05 UTC`, with the exact ISO time on hover. */
export function time(iso: string | undefined): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  const parsed = Date.parse(iso);
  if (Number.isNaN(parsed)) return html`${iso}`;
  const shown = new Date(parsed).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  return html`<time datetime="${iso}" title="${iso}">${shown}</time>`;
}

/** A coloured label for an effect, a status or an outcome; `kind` picks the colour class. */
export function badge(text: string, kind: string = text): Html {
  return html`<span class="badge badge-${kind.replace(/[^a-z0-9-]/gi, "")}">${text}</span>`;
}

/** Microseconds as people read them: 850 µs, 12.3 ms, 4.1 s. */
export function duration(us: number | undefined): string {
  if (us === undefined) return "—";
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1_000_000).toFixed(1)} s`;
}
