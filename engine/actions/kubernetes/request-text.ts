/**
 * The raw form of a Kubernetes API request: one text in the shape of an HTTP/1.1 request message
 * (`METHOD TARGET`, the headers policy may read, a blank line, the body). Keeping the request as one
 * text is what lets approvals bind to it (an approval covers exactly this method, URL, header set and
 * body), the audit log and recordings keep it, and `portcullis eval --kube` and conformance cases
 * write it by hand.
 */

/** The request headers that reach the action document; every other header is the transport's business. */
export function isPolicyHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === "content-type" || lower === "content-encoding" || lower.startsWith("impersonate-");
}

/**
 * Marks a body that is not UTF-8 text (protobuf, CBOR) and is kept base64-encoded in the text, so the
 * text still binds the exact bytes sent.
 */
export const BINARY_BODY_HEADER = "x-portcullis-body-encoding";

export interface KubernetesHttpRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  target: string;
  /** Header names lower-cased, in the order sent; a header sent twice appears twice. */
  headers: Array<[string, string]>;
  /** The body as text (UTF-8), or base64 when `binary`; "" when there is none. */
  body: string;
  /** The body is base64 of bytes that are not UTF-8 text. */
  binary?: boolean;
}

/** The request as one text; headers that policy does not read are left out. */
export function kubernetesRequestText(request: KubernetesHttpRequest): string {
  const head = [`${request.method} ${request.target}`];
  for (const [name, value] of request.headers) if (isPolicyHeader(name)) head.push(`${name.toLowerCase()}: ${value}`);
  if (request.binary) head.push(`${BINARY_BODY_HEADER}: base64`);
  return `${head.join("\n")}\n\n${request.body}`;
}

export type ReadRequest = { ok: true; request: KubernetesHttpRequest } | { ok: false; message: string; position: number };

const METHOD = /^[A-Z]+$/;

/**
 * Reads the text back. A bare request line (`GET /api/v1/pods`, as people type it) is a request
 * without headers or body.
 */
export function readKubernetesRequestText(text: string): ReadRequest {
  const blank = text.indexOf("\n\n");
  const head = blank < 0 ? text.replace(/\n$/, "") : text.slice(0, blank);
  const body = blank < 0 ? "" : text.slice(blank + 2);
  const lines = head.split("\n");
  const requestLine = lines[0] ?? "";
  const space = requestLine.indexOf(" ");
  const method = space < 0 ? requestLine : requestLine.slice(0, space);
  const target = space < 0 ? "" : requestLine.slice(space + 1);
  if (!METHOD.test(method)) return { ok: false, message: `the request line does not start with an HTTP method: ${JSON.stringify(requestLine.slice(0, 40))}`, position: 0 };
  if (!target.startsWith("/") || /\s/.test(target)) return { ok: false, message: "the request target must be a path starting with / (and hold no spaces)", position: space + 1 };
  const headers: Array<[string, string]> = [];
  let offset = requestLine.length + 1;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return { ok: false, message: `a header line has no name: ${JSON.stringify(line.slice(0, 40))}`, position: offset };
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    offset += line.length + 1;
  }
  const binary = headers.some(([name, value]) => name === BINARY_BODY_HEADER && value === "base64");
  return { ok: true, request: { method, target, headers: headers.filter(([name]) => name !== BINARY_BODY_HEADER), body, ...(binary ? { binary } : {}) } };
}
