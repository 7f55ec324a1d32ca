import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { messageOf } from "../../engine/errors.js";
import type { ApprovalService } from "../../engine/approvals/index.js";
import type { RevocationEvent } from "../../engine/audit/types.js";
import type { IdentityService } from "../../engine/identity/index.js";
import { approvalRoutes } from "./approval-routes.js";
import { auditRoutes, type AuditReading } from "./audit-routes.js";
import { jwks, loginConfig, tokenEndpoint, whoami } from "./identity-routes.js";
import { HttpError, sendJson } from "./respond.js";
import { revokeEndpoint } from "./revocation-routes.js";
import { sshCertificateEndpoint, type SshCertificates } from "./ssh-routes.js";
import type { AuthLog, PatternRoute } from "./route-types.js";

export type { AuthLog, PatternRoute } from "./route-types.js";


export interface HttpServerOptions {
  host?: string;
  port?: number;
  identity: IdentityService;
  log?: AuthLog;
  /** Serves the approvals API (/v1/approvals…) when given. */
  approvals?: ApprovalService;
  /** Serves the read-only audit API (/v1/audit…) to the viewer groups when given. */
  audit?: AuditReading;
  /** Where admin actions (revocations) are recorded: the gateway's audit log. */
  recordAdmin?: (event: RevocationEvent) => Promise<void>;
  /** Serves SSH certificates (POST /v1/ssh/certificate) when the gateway has an SSH listener. */
  ssh?: SshCertificates;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  /**
   * Serves every path under `prefix` (which ends in "/", e.g. "/console/") with `handler`, after the
   * fixed routes; the prefix without its slash redirects to it. The web console mounts itself here.
   */
  mount(prefix: string, handler: Handler): void;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** A route whose path holds parameters: the pattern's capture groups are passed to `handle`. */

function matchPattern(patterns: PatternRoute[], method: string | undefined, path: string): Handler | undefined {
  for (const route of patterns) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match) return (req, res) => route.handle(req, res, match.slice(1));
  }
  return undefined;
}

/** The gateway's HTTP listener: token exchange, the gateway's JWKS, whoami and login configuration. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const log: AuthLog = options.log ?? ((event) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...event })}\n`));
  const { identity } = options;
  const routes: Record<string, Handler> = {
    "POST /v1/token": (req, res) => tokenEndpoint(req, res, identity, log),
    "GET /v1/whoami": (req, res) => whoami(req, res, identity, log),
    "GET /v1/login-config": (_req, res) => loginConfig(res, identity),
    "POST /v1/revocations": (req, res) => revokeEndpoint(req, res, identity, log, options.recordAdmin),
    "GET /.well-known/jwks.json": (_req, res) => jwks(res, identity),
    "GET /healthz": (_req, res) => sendJson(res, 200, { ok: true }),
  };
  const ssh = options.ssh;
  if (ssh) routes["POST /v1/ssh/certificate"] = (req, res) => sshCertificateEndpoint(req, res, identity, ssh, log);
  const patterns: PatternRoute[] = [
    ...(options.approvals ? approvalRoutes(options.approvals, identity, log) : []),
    ...(options.audit ? auditRoutes(options.audit, identity, log) : []),
  ];
  const mounts = new Map<string, Handler>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    if (mounts.has(`${path}/`)) return void res.writeHead(308, { location: `${path}/` }).end();
    const handler = routes[`${req.method} ${path}`] ?? matchPattern(patterns, req.method, path) ?? [...mounts].find(([prefix]) => path.startsWith(prefix))?.[1];
    const known = Object.keys(routes).some((k) => k.endsWith(` ${path}`)) || patterns.some((r) => r.pattern.test(path));
    Promise.resolve()
      .then(() => {
        if (handler) return handler(req, res);
        throw known ? new HttpError(405, "invalid_request", `${req.method} is not allowed on ${path}`) : new HttpError(404, "not_found", `no route ${path}`);
      })
      .catch((error: unknown) => {
        if (res.headersSent) return res.destroy();
        if (error instanceof HttpError) return sendJson(res, error.status, { error: error.error, error_description: error.message });
        log({ event: "http_error", path, detail: messageOf(error) });
        sendJson(res, 500, { error: "server_error", error_description: "internal error" });
      });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    mount: (prefix, handler) => {
      if (!prefix.startsWith("/") || !prefix.endsWith("/")) throw new Error(`a mount prefix starts and ends with "/" (got "${prefix}")`);
      mounts.set(prefix, handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
