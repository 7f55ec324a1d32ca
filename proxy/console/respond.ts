import type { IncomingMessage, ServerResponse } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";
import { HttpError, readBody } from "../http/respond.js";

/**
 * Headers on every console response: nothing is cached, nothing may frame the console, and the CSP
 * allows only the console's own stylesheet and script (no inline code, so injected markup cannot run).
 */
const SECURITY_HEADERS: Record<string, string> = {
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
};

export function sendHtml(res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Bytes encoded between two turns of the event loop while a page in parts is prepared. */
const ENCODE_SLICE = 64 * 1024;

/**
 * A page as the pieces it was built from (the layout around it, each card or row): each piece is encoded
 * on its own, with a turn of the event loop every 64 KiB, and they go out in one corked write. A page
 * joined into one string would be flattened and encoded in a single step as long as the page.
 */
export async function sendHtmlParts(res: ServerResponse, status: number, parts: readonly string[]): Promise<void> {
  const chunks: Buffer[] = [];
  let length = 0;
  let sinceTurn = 0;
  for (const part of parts) {
    const chunk = Buffer.from(part, "utf8");
    chunks.push(chunk);
    length += chunk.length;
    sinceTurn += chunk.length;
    if (sinceTurn >= ENCODE_SLICE) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  res.writeHead(status, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8", "content-length": length });
  res.cork();
  for (const chunk of chunks) res.write(chunk);
  res.end();
}

/** 303 See Other: after a POST, and for sign-in hops, the browser continues with a GET. */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, location, ...headers });
  res.end();
}

export function sendAsset(res: ServerResponse, type: string, body: Buffer): void {
  res.writeHead(200, { ...SECURITY_HEADERS, "cache-control": "no-cache", "content-type": type, "content-length": body.length });
  res.end(body);
}

/** A console form: url-encoded, at most 16 KiB. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") throw new HttpError(415, "invalid_request", "console forms are application/x-www-form-urlencoded");
  return new URLSearchParams(await readBody(req, 16 * 1024));
}
