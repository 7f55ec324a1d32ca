import type { IncomingMessage, ServerResponse } from "node:http";
import { AuditError, matches, readRecords, verifyChain, type Anchor, type AuditFilter, type AuditRecord, type AuditSource } from "../../engine/audit/index.js";
import type { IdentityService } from "../../engine/identity/index.js";
import { GENERIC_AUTHENTICATION_FAILURE } from "../../engine/identity/index.js";
import type { Effect, Identity } from "../../engine/policy/types.js";
import { bearerToken, HttpError, sendJson, wholeNumber } from "./respond.js";
import type { AuthLog, PatternRoute } from "./route-types.js";

/** Who may read the audit log when the gateway names no one else. */
export const DEFAULT_AUDIT_VIEWER_GROUPS: readonly string[] = ["auditors", "dba"];

export interface AuditReading {
  source: AuditSource;
  /** Groups whose members may read the log (default: auditors, dba). */
  viewerGroups?: readonly string[];
}

const EFFECTS: readonly Effect[] = ["allow", "deny", "mask", "approval"];
const RECORD_PARAMS = new Set(["subject", "target", "decision", "type", "session", "since", "until", "limit"]);
const MAX_LIMIT = 100_000;

/**
 * The audit log, read-only, for `portcullis audit … --gateway` and anything else auditors use:
 *   GET /v1/audit[?subject=&target=&decision=&type=&session=&since=&until=&limit=]
 *       the matching records as a JSON array, oldest first; with limit=N only the last N of them
 *   GET /v1/audit/verify[?anchor=SEQ:HASH]
 *       the hash-chain check: {log, ok, count, head, problem?}, as `portcullis audit verify --format json`
 * Every call needs `Authorization: Bearer <token>` of an identity in one of the viewer groups:
 * 401 without a valid token, 403 for anyone else.
 */
export function auditRoutes(reading: AuditReading, identity: IdentityService, log: AuthLog): PatternRoute[] {
  const viewers = reading.viewerGroups ?? DEFAULT_AUDIT_VIEWER_GROUPS;
  const viewer = (req: IncomingMessage): Promise<Viewer> => authorizedViewer(req, identity, viewers, log);
  return [
    { method: "GET", pattern: /^\/v1\/audit$/, handle: async (req, res) => {
      const who = await viewer(req);
      await records(req, res, reading.source, who.targets);
    } },
    { method: "GET", pattern: /^\/v1\/audit\/verify$/, handle: async (req, res) => {
      const who = await viewer(req);
      // The chain spans every target: its count and head say something about all of them.
      if (who.targets) throw new HttpError(403, "forbidden", `verifying the whole log needs a token that is not scoped to targets (this one is scoped to ${who.targets.join(", ")})`);
      await verify(req, res, reading.source);
    } },
  ];
}

/** A reader of the log, and the targets their token is scoped to (undefined: not scoped). */
interface Viewer {
  identity: Identity;
  targets: string[] | undefined;
}

async function authorizedViewer(req: IncomingMessage, identity: IdentityService, viewers: readonly string[], log: AuthLog): Promise<Viewer> {
  const token = bearerToken(req);
  if (!token) throw new HttpError(401, "invalid_token", "send Authorization: Bearer <token>");
  const result = await identity.verify(token);
  const client_addr = req.socket.remoteAddress ?? "";
  if (!result.ok) {
    log({ event: "audit_read_rejected", code: result.code, detail: result.detail, client_addr });
    throw new HttpError(401, "invalid_token", GENERIC_AUTHENTICATION_FAILURE);
  }
  const who = result.identity;
  if (!who.groups.some((group) => viewers.includes(group))) {
    log({ event: "audit_read_forbidden", subject: who.subject, groups: who.groups, client_addr });
    throw new HttpError(403, "forbidden", `reading the audit log needs membership in one of the groups ${viewers.join(", ")}; ${who.subject} is in ${who.groups.length > 0 ? who.groups.join(", ") : "no group"}`);
  }
  return { identity: who, targets: result.targets };
}

async function records(req: IncomingMessage, res: ServerResponse, source: AuditSource, scope: string[] | undefined): Promise<void> {
  const query = new URL(req.url ?? "/", "http://gateway").searchParams;
  for (const name of query.keys()) if (!RECORD_PARAMS.has(name)) throw new HttpError(400, "invalid_request", `unknown parameter ${name}; filters are ${[...RECORD_PARAMS].join(", ")}`);
  const filter = filterOf(query);
  // A token scoped to targets reads the records of those targets only.
  if (scope) filter.scope = scope;
  const limit = limitOf(query.get("limit"));
  // Opening the log happens on the first read: a missing or unreadable log answers with an error, not a cut-off array.
  const items = readRecords(source)[Symbol.asyncIterator]();
  let next = await readable(() => items.next());
  if (limit !== undefined) {
    const last: AuditRecord[] = [];
    for (; !next.done; next = await items.next()) {
      if (!matches(next.value.record, filter)) continue;
      last.push(next.value.record);
      if (last.length > limit) last.shift();
    }
    return sendJson(res, 200, last);
  }
  // Every record may be asked for (an export): stream them rather than hold the whole log in memory.
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
  let separator = "[";
  for (; !next.done; next = await items.next()) {
    if (!matches(next.value.record, filter)) continue;
    if (!res.write(`${separator}${JSON.stringify(next.value.record)}`)) await new Promise((resolve) => res.once("drain", resolve));
    separator = ",";
  }
  res.end(separator === "[" ? "[]" : "]");
}

async function verify(req: IncomingMessage, res: ServerResponse, source: AuditSource): Promise<void> {
  const query = new URL(req.url ?? "/", "http://gateway").searchParams;
  const anchorText = query.get("anchor");
  const anchor = anchorText === null ? undefined : anchorOf(anchorText);
  const result = await readable(() => verifyChain(source, anchor));
  sendJson(res, 200, { log: source.name, ...result });
}

function filterOf(query: URLSearchParams): AuditFilter {
  const filter: AuditFilter = {};
  for (const name of ["subject", "target", "type", "session"] as const) {
    const value = query.get(name);
    if (value !== null) filter[name] = value;
  }
  const decision = query.get("decision");
  if (decision !== null) {
    if (!EFFECTS.includes(decision as Effect)) throw new HttpError(400, "invalid_request", `decision must be one of ${EFFECTS.join(", ")}`);
    filter.effect = decision as Effect;
  }
  for (const name of ["since", "until"] as const) {
    const value = query.get(name);
    if (value === null) continue;
    const time = Date.parse(value);
    if (Number.isNaN(time)) throw new HttpError(400, "invalid_request", `${name} must be an ISO 8601 time`);
    filter[name] = new Date(time);
  }
  return filter;
}

function limitOf(text: string | null): number | undefined {
  return text === null ? undefined : wholeNumber(text, "limit", 0, MAX_LIMIT);
}

function anchorOf(text: string): Anchor {
  const match = /^(\d+):(?:sha256:)?([0-9a-f]{64})$/.exec(text);
  if (!match) throw new HttpError(400, "invalid_request", "anchor must be SEQ:HASH, as a verify reports its head");
  return { seq: Number(match[1]), hash: match[2]! };
}

/** A log that is missing or cannot be read is the gateway's problem to report, with the reason. */
async function readable<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AuditError) throw new HttpError(503, "audit_unavailable", error.message);
    throw error;
  }
}
