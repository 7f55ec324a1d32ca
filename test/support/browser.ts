/**
 * Just enough of a browser for a test to click through HTML sign-in pages with fetch: a cookie jar
 * that honours cookie paths and deletions, redirects and meta refreshes followed by hand (so cookies
 * set on a 303 are kept), and HTML forms read back into their fields. Loopback only, like every test.
 */

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export interface Page {
  url: string;
  status: number;
  html: string;
  /** The `<meta name="portcullis-page">` marker of the demo provider's pages, if any. */
  kind: string | undefined;
}

export interface Form {
  id: string | undefined;
  action: string;
  method: string;
  /** Hidden inputs, inputs with a value, and checked radios/checkboxes, as a browser would submit them. */
  fields: Record<string, string>;
}

const MAX_REDIRECTS = 10;

export class Browser {
  private readonly cookies = new Map<string, Cookie>();

  async get(url: string): Promise<Page> {
    return this.request(url, "GET", undefined);
  }

  /** Submits a form as a browser would, plus or over its fields; a submit button's name=value goes in `extra`. */
  async submit(page: Page, form: Form, extra: Record<string, string> = {}): Promise<Page> {
    const target = new URL(form.action || page.url, page.url).href;
    const body = new URLSearchParams({ ...form.fields, ...extra });
    if (form.method === "get") return this.get(`${target.split("?")[0]}?${body.toString()}`);
    return this.request(target, "POST", body);
  }

  private async request(url: string, method: string, body: URLSearchParams | undefined): Promise<Page> {
    let current = new URL(url);
    let currentMethod = method;
    let currentBody = body;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (current.hostname !== "127.0.0.1" && current.hostname !== "localhost") throw new Error(`test browser refuses to leave loopback: ${current.href}`);
      const headers: Record<string, string> = {};
      const cookie = this.cookieHeader(current.pathname);
      if (cookie) headers.cookie = cookie;
      if (currentBody) headers["content-type"] = "application/x-www-form-urlencoded";
      const res = await fetch(current, { method: currentMethod, headers, body: currentBody?.toString(), redirect: "manual" });
      this.store(res.headers.getSetCookie());
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current);
        // 303 (and, as browsers do, 301/302 after a POST) continue as GET without a body.
        if (res.status !== 307 && res.status !== 308) {
          currentMethod = "GET";
          currentBody = undefined;
        }
        continue;
      }
      const html = await res.text();
      // A `<meta http-equiv="refresh" content="0;url=…">` page moves on by itself, as a browser's would.
      const refresh = /<meta http-equiv="refresh" content="0;url=([^"]*)"/i.exec(html)?.[1];
      if (refresh !== undefined) {
        current = new URL(decode(refresh), current);
        currentMethod = "GET";
        currentBody = undefined;
        continue;
      }
      return { url: current.href, status: res.status, html, kind: /<meta name="portcullis-page" content="([^"]*)"/.exec(html)?.[1] };
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
  }

  /** The Cookie header this browser would send to `path` (to replay it from elsewhere, as an attacker's page would). */
  cookieHeader(path: string): string {
    return [...this.cookies.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`) || c.path === "/")
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  private store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = "/";
      let expired = value === "";
      for (const attribute of attributes) {
        const [key = "", ...rest] = attribute.split("=");
        const attrValue = rest.join("=");
        if (key.toLowerCase() === "path" && attrValue) path = attrValue;
        if (key.toLowerCase() === "max-age" && Number(attrValue) <= 0) expired = true;
        if (key.toLowerCase() === "expires" && Date.parse(attrValue) <= Date.now()) expired = true;
      }
      const id = `${name}\u0000${path}`;
      if (expired) this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path });
    }
  }
}

/** Every form on a page, with the fields a browser would send. */
export function formsOf(page: Page): Form[] {
  const forms: Form[] = [];
  for (const match of page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributesOf(match[1] ?? "");
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? "").matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributesOf(input[1] ?? "");
      if (!a.name) continue;
      const type = (a.type ?? "text").toLowerCase();
      if ((type === "radio" || type === "checkbox") && !("checked" in a)) continue;
      if (type === "submit" || type === "button") continue;
      fields[a.name] = a.value ?? "";
    }
    forms.push({ id: attrs.id, action: attrs.action ?? "", method: (attrs.method ?? "get").toLowerCase(), fields });
  }
  return forms;
}

/** A page's visible text, squeezed: for error messages in test failures. */
export function textOf(page: Page): string {
  return decode(page.html.replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/gi, "").replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ").trim();
}

function attributesOf(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const m of source.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attributes[m[1]!.toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return attributes;
}

function decode(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith("#x") || entity.startsWith("#X")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return named[entity.toLowerCase()] ?? whole;
  });
}
