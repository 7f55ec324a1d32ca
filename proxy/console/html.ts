import { visibleText } from "../../engine/visible-text.js";

/**
 * HTML built by tagged templates that escape every interpolated value unless it is already `Html`, so a
 * page cannot forget to escape a subject, a claim or a statement: markup has to be asked for.
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

/**
 * Escapes markup, and writes every control or invisible format character as a visible escape
 * (`\u202e`): a bidirectional override in a statement must not reorder what an approver reads.
 */
export function escapeHtml(value: string): string {
  return visibleText(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Markup that is trusted as it is: only for strings this code built itself. */
export function raw(text: string): Html {
  return new Html(text);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += fragment(value) + (strings[i + 1] ?? "");
  });
  return new Html(out);
}

function fragment(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join("");
  if (value === undefined || value === null || value === false) return "";
  return escapeHtml(String(value));
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
