import { readFileSync } from "node:fs";
import { targetsOfType, type GatewayConfig } from "../../engine/config/types.js";
import type { Engine } from "../../engine/engine.js";
import type { IdentityService } from "../../engine/identity/identity-service.js";
import type { Masker } from "../../engine/masking/index.js";
import type { ApprovalDesk, SessionEvent } from "../gate/types.js";
import type { KubernetesGatewayContext } from "../kubernetes/context.js";
import { listenKubernetes, type KubernetesListener } from "../kubernetes/server.js";
import { authenticateToken } from "./gate-ports.js";
import type { LiveSessions } from "./live-sessions.js";
import { Budgets } from "../gate/budgets.js";
import { selfSignedPems } from "./tls.js";

export interface KubernetesGatewayOptions {
  engine: Engine;
  identity: IdentityService;
  masker: Masker;
  record: (event: SessionEvent) => Promise<void>;
  approvals?: ApprovalDesk;
  /** Request counts for the policy's requests_per_minute, shared by the gateway's protocols (one of its own otherwise). */
  budgets?: Budgets;
  /** Long requests end when their identity does (expiry, revocation) when given. */
  liveSessions?: LiveSessions;
  log: (line: string) => void;
}

/** Wires the Kubernetes proxy to the engine: identity, decisions, masking, audit. */
export function createKubernetesContext(config: GatewayConfig, options: KubernetesGatewayOptions): KubernetesGatewayContext {
  const targets = new Map(targetsOfType(config.targets, "kubernetes").map((t) => [t.name, t]));
  const context: KubernetesGatewayContext = {
    target: (name) => targets.get(name),
    authenticate: (token, target) => authenticateToken(options.identity, token, target, options.liveSessions),
    decideAsync: (request) => options.engine.decideAsync(request),
    normalizeAsync: (request, facts) => options.engine.normalizeAsync(request, facts),
    decideWithGrant: (verdict, grant) => options.engine.decideWithGrant(verdict, grant),
    revision: () => options.engine.revision,
    record: options.record,
    budgets: options.budgets ?? Budgets.inMemory(),
    mask: (rule, value) => options.masker.mask(rule, value),
    log: options.log,
  };
  if (options.approvals) context.approvals = options.approvals;
  return context;
}

/**
 * Starts the Kubernetes listener when a target of type kubernetes is configured (undefined otherwise),
 * with the configured certificate or the gateway's self-signed one.
 */
export async function startKubernetesListener(config: GatewayConfig, options: KubernetesGatewayOptions): Promise<KubernetesListener | undefined> {
  const targets = targetsOfType(config.targets, "kubernetes");
  if (targets.length === 0) return undefined;
  const { certFile, keyFile } = config.kubernetes.tls;
  const pems = certFile && keyFile ? { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") } : await selfSignedPems(config.stateDir);
  const listener = await listenKubernetes({ ...config.listen.kubernetes, ...pems, context: createKubernetesContext(config, options), targets });
  options.log(`kubernetes: listening on ${listener.url} (targets: ${targets.map((t) => t.name).join(", ")})`);
  return listener;
}
