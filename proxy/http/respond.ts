import type { IncomingMessage, ServerResponse } from "node:http";
import { CodedError } from "../../engine/errors.js";

/** An HTTP API failure: `code` (and `error`) is the OAuth-style error name the response carries. */
export class HttpError extends CodedError {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(error, description);
    this.status = status;
    this.error = error;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; a larger one is refused without buffering it. */
export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new HttpError(413, "invalid_request", `request body larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "invalid_request", `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Form (`application/x-www-form-urlencoded`, as OAuth uses) or JSON body, as repeated-key parameters. */
export async function readParams(req: IncomingMessage): Promise<URLSearchParams> {
  const body = await readBody(req);
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpError(400, "invalid_request", "body is not JSON");
    }
    const params = new URLSearchParams();
    if (typeof parsed === "object" && parsed !== null) {
      for (const [key, value] of Object.entries(parsed)) {
        for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string" || typeof v === "number") params.append(key, String(v));
      }
    }
    return params;
  }
  if (type !== "application/x-www-form-urlencoded" && body.length > 0) throw new HttpError(415, "invalid_request", "use application/x-www-form-urlencoded or application/json");
  return new URLSearchParams(body);
}

/**
 * A whole number parameter written in plain decimal digits, from `min` to `max`. `Number()` would
 * also read `0x10`, `1e3`, ` 16`, `16.0` and `+16`: a value a person did not mean must be refused
 * with the parameter's name, never read as something else.
 */
export function wholeNumber(text: string, name: string, min: number, max: number): number {
  const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new HttpError(400, "invalid_request", `${name} must be a whole number from ${min} to ${max}, in decimal digits (got "${text.slice(0, 32)}")`);
  return value;
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}
