import { existsSync, readFileSync } from "node:fs";
import { KWOK_IDENTITY } from "./identities.js";

export type AuditLevel = "Metadata" | "Request" | "RequestResponse";

/**
 * The apiserver's audit policy: one event per request stage after RequestReceived (so a request is
 * logged once when it completes, and a long-running one such as `logs -f`, watch or exec also when its
 * response starts), at `level` for everything but kwok's status updates, the apiserver's own
 * loopback requests and health probes, which would drown the requests a test makes.
 * Metadata already carries what a gateway derives: verb, objectRef (resource, subresource,
 * namespace, name), requestURI (with exec's command in its query), user and impersonatedUser.
 */
export function auditPolicy(level: AuditLevel): string {
  return JSON.stringify({
    apiVersion: "audit.k8s.io/v1",
    kind: "Policy",
    omitStages: ["RequestReceived"],
    rules: [
      { level: "None", users: [KWOK_IDENTITY.user, "system:apiserver"] },
      { level: "None", nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"] },
      { level },
    ],
  });
}

/** The fields of an audit.k8s.io/v1 Event that tests compare; the log holds one Event as JSON per line. */
export interface AuditEvent {
  auditID: string;
  stage: "ResponseStarted" | "ResponseComplete" | "Panic";
  requestURI: string;
  verb: string;
  user: { username: string; groups?: string[] };
  impersonatedUser?: { username: string; groups?: string[] };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string };
  responseStatus?: { code?: number; status?: string; reason?: string };
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Every event written to the audit log so far (a line still being written is skipped). */
export function readAuditLog(path: string): AuditEvent[] {
  if (!existsSync(path)) return [];
  const events: AuditEvent[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      events.push(JSON.parse(line) as AuditEvent);
    } catch {
      // the last line may be half-written
    }
  }
  return events;
}

/**
 * Waits for audit events matching `match`: the apiserver writes a request's ResponseComplete event
 * after the response, so a client can be done a moment before its event is in the file.
 */
export async function waitForAuditEvents(path: string, match: (event: AuditEvent) => boolean, timeoutMs = 5_000): Promise<AuditEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readAuditLog(path).filter(match);
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
