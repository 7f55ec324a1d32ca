import type { SecureContext } from "node:tls";
import type { Engine } from "../../engine/engine.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import type { Masker } from "../../engine/masking/index.js";
import { ColumnCatalog } from "../postgres/catalog.js";
import { authenticateToken, enginePorts } from "./gate-ports.js";
import type { LiveSessions } from "./live-sessions.js";
import type { Budgets } from "../gate/budgets.js";
import type { ApprovalDesk, SessionEvent } from "../gate/types.js";
import type { PostgresGatewayContext } from "../postgres/context.js";
import type { QueryLimits } from "../postgres/query-limits.js";
import type { PostgresTarget } from "../postgres/upstream/target.js";

export interface PostgresContextOptions {
  engine: Engine;
  identity: IdentityService;
  masker: Masker;
  targets: PostgresTarget[];
  /** Durable recording of session events (audit log and session recordings). */
  record: (event: SessionEvent) => Promise<void>;
  tls?: { context: SecureContext; required: boolean };
  /** Accept tokens without TLS from other hosts (config `postgres.allow_cleartext_tokens`). */
  allowCleartextTokens?: boolean;
  /** How much SQL one message may carry. */
  queryLimits?: QueryLimits;
  approvals?: ApprovalDesk;
  /** This instance's id in the names of per-session database roles. */
  sessionRoleInstance?: string;
  /** Request counts for the policy's requests_per_minute, shared by the gateway's protocols (one of its own otherwise). */
  budgets?: Budgets;
  /** Open sessions end when their identity does (expiry, revocation) when given. */
  liveSessions?: LiveSessions;
  log: (line: string) => void;
}

/** Wires the PostgreSQL proxy to the engine: identity, decisions, masking, audit, catalogs. */
export function createPostgresContext(options: PostgresContextOptions): PostgresGatewayContext & { close(): Promise<void> } {
  const targets = new Map(options.targets.map((t) => [t.name, t]));
  const catalogs = new Map<string, ColumnCatalog>();
  const context: PostgresGatewayContext & { close(): Promise<void> } = {
    ...enginePorts(options.engine, options.record, options.log, options.budgets),
    target: (name) => targets.get(name),
    authenticate: (secret, target) => authenticateToken(options.identity, secret, target, options.liveSessions),
    decide: (request) => options.engine.decide(request),
    maskedColumns: (caller) => options.engine.maskedColumns(caller),
    sessionLimits: (caller) => options.engine.sessionLimits(caller),
    ...(options.sessionRoleInstance ? { sessionRoleInstance: options.sessionRoleInstance } : {}),
    mask: (rule, value) => options.masker.mask(rule, value),
    catalog(target) {
      let catalog = catalogs.get(target.name);
      if (!catalog) {
        catalog = new ColumnCatalog(target);
        catalogs.set(target.name, catalog);
      }
      return catalog;
    },
    async close() {
      await Promise.all([...catalogs.values()].map((c) => c.close()));
    },
  };
  if (options.tls) context.tls = options.tls;
  if (options.allowCleartextTokens) context.allowCleartextTokens = true;
  if (options.queryLimits) context.queryLimits = options.queryLimits;
  if (options.approvals) context.approvals = options.approvals;
  return context;
}
