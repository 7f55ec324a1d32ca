import { cleanLeftoverRoles, sessionRoleInstance } from "./session-roles.js";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuditLog } from "../../engine/audit/audit-log.js";
import { fileSource } from "../../engine/audit/file-store.js";
import { PostgresAuditStore, postgresSource } from "../../engine/audit/postgres-store.js";
import { FileRecordingStore } from "../../engine/recording/file-store.js";
import { createConsole } from "../console/console.js";
import { targetsOfType, type GatewayConfig } from "../../engine/config/types.js";
import { knownSecrets } from "../../engine/credentials/index.js";
import { Engine } from "../../engine/engine.js";
import { IdentityService } from "../../engine/identity/identity-service.js";
import { PostgresRevocationStore } from "../../engine/identity/postgres-revocations.js";
import { ApprovalService, FileApprovalStore, PostgresApprovalStore } from "../../engine/approvals/index.js";
import { createMasker } from "../../engine/masking/index.js";
import type { ReloadResult } from "../../engine/policy/policy-service.js";
import { policyTarget, type Protocol, type Target } from "../../engine/policy/types.js";
import { startHttpServer, type RunningHttpServer } from "../http/server.js";
import type { KubernetesListener } from "../kubernetes/server.js";
import { listenPostgres, type PostgresListener } from "../postgres/server.js";
import type { SshListener } from "../ssh/server.js";
import type { SessionEvent } from "../gate/types.js";
import { binaryToText } from "../postgres/value-text.js";
import { approvalDesk } from "./approval-desk.js";
import { auditEventOf } from "./audit-events.js";
import { startKubernetesListener } from "./kubernetes-context.js";
import { Budgets } from "../gate/budgets.js";
import { WindowCounters } from "../../engine/limits/window-counters.js";
import { FileCounterStore } from "../../engine/limits/file-counter-store.js";
import { PostgresCounterStore } from "../../engine/limits/postgres-counter-store.js";
import { LiveSessions } from "./live-sessions.js";
import { createPostgresContext } from "./postgres-context.js";
import { startSshSide } from "./ssh-side.js";
import { SessionRecordings } from "./session-recordings.js";
import { postgresTls } from "./tls.js";

export interface RunningGateway {
  config: GatewayConfig;
  engine: Engine;
  identity: IdentityService;
  audit: AuditLog;
  approvals: ApprovalService;
  /** Open sessions, each ended when its identity does. */
  liveSessions: LiveSessions;
  http: RunningHttpServer;
  postgres: PostgresListener;
  /** Running when there are SSH targets or listen.ssh is set. */
  ssh?: SshListener;
  /** Started when a kubernetes target is configured. */
  kubernetes?: KubernetesListener;
  close(): Promise<void>;
}

/**
 * Starts everything a config describes: the engine (policy with hot reload), identity, the audit log,
 * the HTTP listener (token exchange, JWKS), the PostgreSQL listener and, with SSH targets, the SSH listener. Anything that cannot start
 * stops what already started and throws: a gateway never runs half-configured.
 */
export async function startGateway(config: GatewayConfig, log: (line: string) => void): Promise<RunningGateway> {
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => log(`shutdown: ${String(error)}`));
  };
  try {
    const engine = await Engine.start({ dir: config.policy.dir, watch: config.policy.watch, runTests: config.policy.runTests });
    closers.push(() => engine.close());
    engine.policy.on("reload", (result: ReloadResult) => log(result.ok ? `policy reloaded: ${result.revision}` : `policy reload failed, still serving ${engine.policy.current.revision}: ${result.error}`));

    const revocationUrl = config.revocations.postgresUrl;
    const sharedRevocations = revocationUrl === undefined ? undefined : { store: await PostgresRevocationStore.open({ connectionString: revocationUrl, log }), pollMs: config.revocations.pollMs, log };
    if (sharedRevocations) closers.push(() => sharedRevocations.store.close());
    const identity = await IdentityService.create(config.identity, { stateDir: config.stateDir, log, ...(sharedRevocations ? { sharedRevocations } : {}) });
    closers.push(async () => identity.close());
    // What the audit log and the recordings must never contain: every credential the gateway holds.
    const secrets = knownSecrets(config);
    const auditUrl = config.auditPostgresUrl;
    const audit = auditUrl === undefined
      ? await AuditLog.open(config.auditPath, { secrets, durability: config.auditDurability })
      : await AuditLog.over(await PostgresAuditStore.open({ connectionString: auditUrl, log }), { secrets });
    closers.push(() => audit.close());
    const auditSource = auditUrl === undefined ? fileSource(config.auditPath) : postgresSource(auditUrl);

    const targets = new Map<string, Target>(config.targets.map((t) => [t.name, policyTarget(t)]));
    const targetOf = (name: string, protocol: Protocol): Target => targets.get(name) ?? { name, type: protocol, tags: {} };
    const recordings = config.recordings.enabled ? new SessionRecordings(config.recordings.dir, secrets, log) : undefined;
    if (recordings) closers.push(() => recordings.close());
    const revision = (): string => engine.policy.current.revision;
    const record = async (event: SessionEvent): Promise<void> => {
      const auditEvent = auditEventOf(event, targetOf);
      if (auditEvent) await audit.append(auditEvent);
      recordings?.handle(event, targetOf, revision);
    };

    const store = "file" in config.approvals.store ? await FileApprovalStore.open(config.approvals.store.file) : await PostgresApprovalStore.open({ connectionString: config.approvals.store.postgresUrl, log });
    const approvals = await ApprovalService.start({
      store,
      audit: (event) => audit.append(event),
      log,
      ...(config.approvals.webhook ? { webhook: config.approvals.webhook } : {}),
    });
    closers.push(() => approvals.close());

    // Sessions end when their identity does: a token in the chain expires, or a revocation (made here or
    // read from the instances' shared store) reaches it.
    const liveSessions = new LiveSessions({ log });
    // One set of counts per caller for the policy's window limits, whatever the protocol; shared with
    // the other instances when the store is PostgreSQL.
    const counterStore = "file" in config.limits ? FileCounterStore.open(config.limits.file) : await PostgresCounterStore.open({ connectionString: config.limits.postgresUrl, log });
    const budgets = new Budgets(new WindowCounters(counterStore, { log }));
    closers.push(() => budgets.close());
    closers.push(async () => liveSessions.close());
    const tls = await postgresTls(config);
    const masker = createMasker({ hashKey: Buffer.from(config.maskingHashKey ?? stateKey(config.stateDir), "utf8") });
    const roleInstance = sessionRoleInstance(config.stateDir);
    // Before the first session: a role left by a crash must not outlive it by a whole run.
    await cleanLeftoverRoles(targetsOfType(config.targets, "postgres"), roleInstance, log);
    const context = createPostgresContext({
      sessionRoleInstance: roleInstance,
      engine,
      identity,
      masker,
      targets: targetsOfType(config.targets, "postgres"),
      queryLimits: config.postgres.queryLimits,
      record,
      log,
      approvals: approvalDesk(approvals, config.approvals.pendingSeconds),
      liveSessions,
      budgets,
      ...(tls ? { tls } : {}),
      allowCleartextTokens: config.postgres.allowCleartextTokens,
    });
    closers.push(() => context.close());

    const sshSide = config.listen.ssh ? await startSshSide(config, config.listen.ssh, { engine, identity, record, approvals: approvalDesk(approvals, config.approvals.pendingSeconds), liveSessions, budgets, log }) : undefined;
    const ssh = sshSide?.listener;
    if (ssh) closers.push(() => ssh.close());
    const http = await startHttpServer({ host: config.listen.http.host, port: config.listen.http.port, identity, approvals, recordAdmin: (event) => audit.append(event).then(() => undefined), audit: { source: auditSource }, ...(sshSide ? { ssh: sshSide.certificates } : {}), log: (event) => log(`http: ${JSON.stringify(event)}`) });
    closers.push(() => http.close());
    if (config.console) {
      const web = config.console;
      const webConsole = createConsole({
        publicUrl: web.publicUrl ?? http.url,
        client: { issuer: web.issuer, clientId: web.clientId, ...(web.clientSecret ? { clientSecret: web.clientSecret } : {}) },
        identity,
        policy: engine.policy,
        audit: auditSource,
        ...(config.recordings.enabled ? { recordings: new FileRecordingStore(config.recordings.dir) } : {}),
        approvals,
        ...(web.viewerGroups ? { viewerGroups: web.viewerGroups } : {}),
        log,
      });
      http.mount("/console/", webConsole.handle);
    }
    const postgres = await listenPostgres({ ...config.listen.postgres, context, decode: binaryToText, messageLimit: config.postgres.messageLimitBytes, sessionLimits: config.postgres.sessions });
    closers.push(() => postgres.close());
    const kubernetes = await startKubernetesListener(config, { engine, identity, masker, record, approvals: approvalDesk(approvals, config.approvals.pendingSeconds), liveSessions, budgets, log });
    if (kubernetes) closers.push(() => kubernetes.close());
    return { config, engine, identity, audit, approvals, liveSessions, http, postgres, ...(ssh ? { ssh } : {}), ...(kubernetes ? { kubernetes } : {}), close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The masking hash key kept in the state directory: generated once, so hashes stay comparable across restarts. */
function stateKey(stateDir: string): string {
  const path = join(stateDir, "masking-key");
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString("hex"), { mode: 0o600 });
  return readFileSync(path, "utf8").trim();
}
