import { setImmediate as nextTurn } from "node:timers/promises";
import { HttpError } from "../http/respond.js";
import type { Html } from "./html.js";

/**
 * Pages of the console's lists. A page starts at a cursor (the key of the item next to it), never at an
 * offset: new requests and records keep arriving, and an offset would shift under the person paging, so
 * items would be skipped or shown twice.
 */

/** An item's place in a list ordered by time: its time (epoch milliseconds, or a sequence number), then its id for ties. */
export interface Key {
  at: number;
  id: string;
}

/** `before`: the items older than this key; `after`: the items newer than it; neither: the list's first page. */
export interface PageRequest {
  before?: Key;
  after?: Key;
}

export interface Paged<T> {
  /** Oldest first. */
  items: T[];
  /** The key to ask `before` for the next older page, when there is one. */
  older?: Key;
  /** The key to ask `after` for the next newer page, when there is one. */
  newer?: Key;
}

/** How a cursor appears in a link: `1733395200000.apr_abcdefghij`; a sequence number alone when there is no id. */
export function keyText(key: Key): string {
  return key.id ? `${key.at}.${key.id}` : String(key.at);
}

export function compareKeys(a: Key, b: Key): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A time's key part: unparsable or missing times sort first rather than failing the page. */
export function timeKey(iso: string | undefined, id: string): Key {
  const at = iso === undefined ? NaN : Date.parse(iso);
  return { at: Number.isNaN(at) ? 0 : at, id };
}

/**
 * `<prefix>before` and `<prefix>after` from the address, parsed strictly: plain decimal digits, then (when
 * `id` is given) a dot and an id matching it. Anything else, either given twice, or both at once is the
 * person's mistake (a hand-edited link): a 400 that names the parameter, never a 500.
 */
export function pageRequest(url: URL, id?: RegExp, prefix = ""): PageRequest {
  const pattern = new RegExp(`^(\\d{1,15})${id ? `\\.(${id.source})` : ""}$`);
  const shape = id ? "digits, a dot and an id" : "plain decimal digits";
  const request: PageRequest = {};
  for (const side of ["before", "after"] as const) {
    const name = `${prefix}${side}`;
    const values = url.searchParams.getAll(name);
    if (values.length === 0) continue;
    const match = values.length === 1 ? pattern.exec(values[0]!) : null;
    if (!match) throw new HttpError(400, "invalid_request", `The page parameter ${name} must be ${shape}, given once: use the page's own Older and Newer links.`);
    request[side] = { at: Number(match[1]), id: match[2] ?? "" };
  }
  if (request.before && request.after) throw new HttpError(400, "invalid_request", `The page parameters ${prefix}before and ${prefix}after cannot both be given.`);
  return request;
}

/**
 * At most `size` items of `ascending` (sorted oldest first by `keyOf`) next to the cursor; without one,
 * the newest or the oldest `size`, as the list starts.
 */
export function pageOf<T>(ascending: readonly T[], keyOf: (item: T) => Key, request: PageRequest, size: number, start: "newest" | "oldest"): Paged<T> {
  const count = ascending.length;
  const firstNotBefore = (key: Key, strict: boolean): number => {
    const index = ascending.findIndex((item) => (strict ? compareKeys(keyOf(item), key) > 0 : compareKeys(keyOf(item), key) >= 0));
    return index === -1 ? count : index;
  };
  let from: number;
  let to: number;
  if (request.before) {
    to = firstNotBefore(request.before, false);
    from = Math.max(0, to - size);
  } else if (request.after) {
    from = firstNotBefore(request.after, true);
    to = Math.min(count, from + size);
  } else if (start === "newest") {
    to = count;
    from = Math.max(0, count - size);
  } else {
    from = 0;
    to = Math.min(count, size);
  }
  const items = ascending.slice(from, to);
  const paged: Paged<T> = { items };
  if (items.length > 0 && from > 0) paged.older = keyOf(items[0]!);
  if (items.length > 0 && to < count) paged.newer = keyOf(items[items.length - 1]!);
  return paged;
}

/**
 * Renders one item per turn of the event loop: a page of large cards (each up to 8 KiB of highlighted SQL
 * and its action document) is built in as many short steps, so the gateway's other connections, proxied
 * statements included, are served between them instead of waiting for the whole page.
 */
export async function renderEach<T>(items: readonly T[], render: (item: T) => Html): Promise<Html[]> {
  const out: Html[] = [];
  for (const item of items) {
    out.push(render(item));
    await nextTurn();
  }
  return out;
}

/** The address of another page of the same view: the current query with `set` applied and the `drop`ped parameters gone. */
export function pageHref(url: URL, path: string, set: Record<string, string>, drop: readonly string[]): string {
  const params = new URLSearchParams(url.searchParams);
  for (const name of drop) params.delete(name);
  for (const [name, value] of Object.entries(set)) params.set(name, value);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
