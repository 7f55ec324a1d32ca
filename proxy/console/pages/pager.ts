import { html, type Html } from "../html.js";
import { keyText, pageHref, type PageRequest, type Paged } from "../paging.js";

/** Where one list's Newer, Older and first-page links go. */
export interface PagerLinks {
  newer?: string;
  older?: string;
  /** Back to the list's first page, once a cursor moved away from it. */
  first?: string;
}

/**
 * The links of a list paged by `<prefix>before`/`<prefix>after`, keeping the rest of the address (filters,
 * another list's cursor); `drop` names parameters that only meant something once (`decided=`).
 */
export function pagerLinks(url: URL, path: string, paged: Pick<Paged<unknown>, "older" | "newer">, request: PageRequest, prefix = "", drop: readonly string[] = []): PagerLinks {
  const cursors = [`${prefix}before`, `${prefix}after`, ...drop];
  const links: PagerLinks = {};
  if (paged.newer) links.newer = pageHref(url, path, { [`${prefix}after`]: keyText(paged.newer) }, cursors);
  if (paged.older) links.older = pageHref(url, path, { [`${prefix}before`]: keyText(paged.older) }, cursors);
  if (request.before || request.after) links.first = pageHref(url, path, {}, cursors);
  return links;
}

/** `name` marks the list (`data-pager`) so tests and people reading source can tell two pagers on one page apart. */
export function pager(name: string, links: PagerLinks | undefined, firstLabel: string): Html {
  if (!links || (!links.newer && !links.older && !links.first)) return html``;
  return html`<nav class="pager" data-pager="${name}" aria-label="${name} pages">
${links.first ? html`<a data-page="first" href="${links.first}">${firstLabel}</a>` : ""}
${links.newer ? html`<a data-page="newer" href="${links.newer}">← Newer</a>` : ""}
${links.older ? html`<a data-page="older" href="${links.older}">Older →</a>` : ""}
</nav>`;
}
