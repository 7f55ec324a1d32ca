import type { IncomingMessage, ServerResponse } from "node:http";
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
