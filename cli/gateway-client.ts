import { UsageError } from "./command.js";
import { CodedError, messageOf } from "../engine/errors.js";

/** How long one request to the gateway may take before the command gives up. */
const TIMEOUT_MS = 15_000;

/** The gateway answered with an OAuth-style error (`{"error","error_description"}`). */
/** A gateway API call that failed: `code` (and `error`) is the error name the gateway answered with. */
export class GatewayError extends CodedError {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(error, description ? `${description} (${error})` : error);
    this.status = status;
    this.error = error;
  }
}

/** The gateway's base URL: --gateway, else PORTCULLIS_GATEWAY, else the one remembered at login. */
export function resolveGateway(flag: string | undefined, remembered: string | undefined): string {
  const url = flag ?? process.env.PORTCULLIS_GATEWAY ?? remembered;
  if (!url) throw new UsageError("no gateway given: pass --gateway URL or set PORTCULLIS_GATEWAY");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the gateway URL is not a URL: "${url}"`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new UsageError(`the gateway URL must be http(s): "${url}"`);
  return parsed.href.replace(/\/+$/, "");
}

/** GET or POST a gateway endpoint and return its JSON; errors name the gateway and what went wrong. */
export async function gatewayJson(gateway: string, path: string, init: { method?: "GET" | "POST"; bearer?: string; form?: URLSearchParams; json?: unknown } = {}): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  if (init.form) headers["content-type"] = "application/x-www-form-urlencoded";
  if (init.json !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${gateway}${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.form?.toString(),
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
  } catch (error) {
    throw new Error(`cannot reach the gateway at ${gateway}: ${networkReason(error)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const { error, error_description } = (isObject(body) ? body : {}) as { error?: unknown; error_description?: unknown };
    throw new GatewayError(response.status, typeof error === "string" ? error : `HTTP ${response.status}`, typeof error_description === "string" ? error_description : "");
  }
  if (body === undefined) throw new Error(`the gateway at ${gateway} answered ${path} with something that is not JSON`);
  return body;
}

/** fetch failures wrap the real reason (ECONNREFUSED, ENOTFOUND, a timeout) in `cause`. */
export function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return messageOf(error);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
