import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { PortcullisError, messageOf } from "../errors.js";
import { defaultPolicyDir } from "../paths.js";
import { check } from "../schemas.js";
import { resolveSecret } from "../credentials/secret-source.js";
import { kubernetesSection, kubernetesTarget } from "./kubernetes.js";
import type { ConfigFile, GatewayConfig, ListenAddress, PostgresTarget, PostgresTargetFile, SshTarget, SshTargetFile, TargetConfig, TargetFile } from "./types.js";

export const DEFAULT_HTTP_LISTEN = "127.0.0.1:7480";
export const DEFAULT_POSTGRES_LISTEN = "127.0.0.1:6432";
export const DEFAULT_SSH_LISTEN = "127.0.0.1:2222";
export const DEFAULT_KUBERNETES_LISTEN = "127.0.0.1:7443";

/** Reads, validates and resolves a config file (YAML or JSON). Errors name the file and the problem. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const absolute = resolve(path);
  let document: unknown;
  try {
    document = parseYaml(readFileSync(absolute, "utf8"));
  } catch (error) {
    throw new PortcullisError("CONFIG_INVALID", `${absolute}: ${messageOf(error)}`);
  }
  return resolveConfig(document ?? {}, dirname(absolute), env, absolute);
}

/** Validates a config document against schemas/config.json and applies defaults. */
export function resolveConfig(document: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env, source = "config"): GatewayConfig {
  const problem = check("config.json", document);
  if (problem) throw new PortcullisError("CONFIG_INVALID", `${source}: ${problem}`);
  const file = document as ConfigFile;
  const path = (p: string): string => resolve(baseDir, p);
  const stateDir = path(file.state_dir ?? ".portcullis");
  const targets = readTargets(file, baseDir, env, source);
  const tls = file.postgres?.tls ?? {};
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) throw new PortcullisError("CONFIG_INVALID", `${source}: postgres.tls needs both cert_file and key_file`);
  const tlsConfig: GatewayConfig["postgres"]["tls"] = { selfSigned: tls.self_signed ?? true, required: tls.required ?? false };
  if (tls.cert_file && tls.key_file) {
    tlsConfig.certFile = path(tls.cert_file);
    tlsConfig.keyFile = path(tls.key_file);
  }
  const config: GatewayConfig = {
    stateDir,
    listen: {
      http: address(file.listen?.http ?? DEFAULT_HTTP_LISTEN),
      postgres: address(file.listen?.postgres ?? DEFAULT_POSTGRES_LISTEN),
      // The SSH listener runs only when asked for or when there is an SSH target to serve.
      ...(file.listen?.ssh !== undefined || targets.some((t) => t.type === "ssh") ? { ssh: address(file.listen?.ssh ?? DEFAULT_SSH_LISTEN) } : {}),
      kubernetes: address(file.listen?.kubernetes ?? DEFAULT_KUBERNETES_LISTEN),
    },
    kubernetes: kubernetesSection(file, baseDir, source),
    policy: { dir: file.policy?.dir ? path(file.policy.dir) : defaultPolicyDir, watch: file.policy?.watch ?? true, runTests: file.policy?.run_tests ?? false },
    identity: file.identity ?? { issuers: [] },
    postgres: {
      tls: tlsConfig,
      allowCleartextTokens: file.postgres?.allow_cleartext_tokens ?? false,
      messageLimitBytes: file.postgres?.message_limit_bytes ?? 64 * 1024 * 1024,
      queryLimits: { maxBytes: file.postgres?.max_query_bytes ?? 1024 * 1024, maxStatements: file.postgres?.max_statements_per_message ?? 1000 },
      sessions: sessionLimits(file),
    },
    ssh: { loginGraceSeconds: file.ssh?.login_grace_seconds ?? 30, maxUnauthenticated: file.ssh?.max_unauthenticated ?? 100 },
    targets,
    maskingHashKey: file.masking?.hash_key ? resolveSecret(file.masking.hash_key, baseDir, "masking.hash_key", env) : undefined,
    auditPath: file.audit?.path ? path(file.audit.path) : resolve(stateDir, "audit.log"),
    auditDurability: file.audit?.durability ?? "write",
    approvals: approvalsConfig(file, stateDir, baseDir, env),
    revocations: revocationsConfig(file, baseDir, env),
    limits: limitsConfig(file, stateDir, baseDir, env),
    recordings: { dir: file.recordings?.dir ? path(file.recordings.dir) : resolve(stateDir, "recordings"), enabled: file.recordings?.enabled ?? true },
  };
  const auditStore = file.audit?.store;
  if (auditStore !== undefined && auditStore !== "file") config.auditPostgresUrl = resolveSecret(auditStore.postgres, baseDir, "audit.store.postgres", env);
  const web = file.console;
  if (web) {
    config.console = { issuer: web.issuer, clientId: web.client_id };
    if (web.client_secret) config.console.clientSecret = resolveSecret(web.client_secret, baseDir, "console.client_secret", env);
    if (web.public_url) config.console.publicUrl = web.public_url;
    if (web.viewer_groups) config.console.viewerGroups = web.viewer_groups;
  }
  return config;
}

/**
 * Every target, from `targets` (tagged by `type`) and the older `postgres.targets` (PostgreSQL
 * targets without a `type`). A name is one target whatever its protocol: policies tell them apart by it.
 */
function readTargets(file: ConfigFile, baseDir: string, env: NodeJS.ProcessEnv, source: string): TargetConfig[] {
  const written: TargetFile[] = [...(file.postgres?.targets ?? []).map((t): TargetFile => ({ ...t, type: "postgres" })), ...(file.targets ?? [])];
  const names = new Set<string>();
  return written.map((t) => {
    if (names.has(t.name)) throw new PortcullisError("CONFIG_INVALID", `${source}: two targets are named ${t.name}`);
    names.add(t.name);
    switch (t.type) {
      case "postgres":
        return postgresTarget(t, baseDir, env);
      case "ssh":
        return sshTarget(t, baseDir, env);
      case "kubernetes":
        return kubernetesTarget(t, baseDir, env, source);
    }
  });
}

function postgresTarget(t: PostgresTargetFile, baseDir: string, env: NodeJS.ProcessEnv): PostgresTarget {
  const target: PostgresTarget = {
    type: "postgres",
    name: t.name,
    tags: t.tags ?? {},
    host: t.host,
    port: t.port ?? 5432,
    database: t.database,
    user: t.user,
    password: resolveSecret(t.password, baseDir, `target ${t.name} password`, env),
    tls: t.tls ?? "prefer",
  };
  if (t.ca_file) target.ca = readFileSync(resolve(baseDir, t.ca_file), "utf8");
  if (t.connect_timeout_ms !== undefined) target.connectTimeoutMs = t.connect_timeout_ms;
  if (t.ephemeral_roles) target.ephemeralRoles = { groups: t.ephemeral_roles.group_roles, prefix: t.ephemeral_roles.prefix ?? "pc_" };
  return target;
}

function sshTarget(t: SshTargetFile, baseDir: string, env: NodeJS.ProcessEnv): SshTarget {
  // A target whose host key is not pinned could be anyone on the path, and would get the commands
  // (and the gateway's login): accepting any key is an explicit, visible choice.
  if (t.host_key === undefined && t.accept_any_host_key !== true) {
    throw new PortcullisError("CONFIG_INVALID", `target ${t.name}: host_key is required (the target sshd's host public key, e.g. from ssh-keyscan), or set accept_any_host_key: true`);
  }
  const target: SshTarget = {
    type: "ssh",
    name: t.name,
    tags: t.tags ?? {},
    host: t.host,
    port: t.port ?? 22,
    user: t.user,
    privateKey: resolveSecret(t.private_key, baseDir, `target ${t.name} private_key`, env),
    hostKeys: t.host_key === undefined ? [] : typeof t.host_key === "string" ? [t.host_key] : t.host_key,
    interactive: t.interactive ?? "raw",
  };
  if (t.connect_timeout_ms !== undefined) target.connectTimeoutMs = t.connect_timeout_ms;
  return target;
}

/**
 * Revocations go where the config says; without a word, where the audit log is when that is in
 * PostgreSQL: instances that share an audit log are one deployment and must share revocations too.
 */
function revocationsConfig(file: ConfigFile, baseDir: string, env: NodeJS.ProcessEnv): GatewayConfig["revocations"] {
  const pollMs = file.revocations?.poll_ms ?? 1000;
  const store = file.revocations?.store;
  if (store !== undefined && store !== "file") return { postgresUrl: resolveSecret(store.postgres, baseDir, "revocations.store.postgres", env), pollMs };
  const audit = file.audit?.store;
  if (store === undefined && audit !== undefined && audit !== "file") return { postgresUrl: resolveSecret(audit.postgres, baseDir, "audit.store.postgres", env), pollMs };
  return { pollMs };
}

/** Limit counters follow the same rule as revocations: shared in PostgreSQL when the audit log is. */
function limitsConfig(file: ConfigFile, stateDir: string, baseDir: string, env: NodeJS.ProcessEnv): GatewayConfig["limits"] {
  const store = file.limits?.store;
  if (store !== undefined && store !== "file") return { postgresUrl: resolveSecret(store.postgres, baseDir, "limits.store.postgres", env) };
  const audit = file.audit?.store;
  if (store === undefined && audit !== undefined && audit !== "file") return { postgresUrl: resolveSecret(audit.postgres, baseDir, "audit.store.postgres", env) };
  return { file: resolve(stateDir, "limit-counters.json") };
}

function approvalsConfig(file: ConfigFile, stateDir: string, baseDir: string, env: NodeJS.ProcessEnv): GatewayConfig["approvals"] {
  const section = file.approvals ?? {};
  const store = section.store;
  const approvals: GatewayConfig["approvals"] = {
    store: store === undefined || store === "file" ? { file: resolve(stateDir, "approvals.jsonl") } : { postgresUrl: resolveSecret(store.postgres, baseDir, "approvals.store.postgres", env) },
  };
  if (section.pending_seconds !== undefined) approvals.pendingSeconds = section.pending_seconds;
  if (section.webhook) approvals.webhook = { url: section.webhook.url, secret: resolveSecret(section.webhook.secret, baseDir, "approvals.webhook.secret", env) };
  return approvals;
}

function address(text: string): ListenAddress {
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** Session limits: positive whole numbers, so a typo cannot silently lift or zero a limit. */
function sessionLimits(file: ConfigFile): GatewayConfig["postgres"]["sessions"] {
  const sessions = file.postgres?.sessions ?? {};
  const count = (value: number | undefined, fallback: number, name: string, allowZero = false): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) throw new Error(`postgres.sessions.${name} must be a ${allowZero ? "non-negative" : "positive"} integer`);
    return value;
  };
  return {
    perIdentityPerTarget: count(sessions.per_identity_per_target, 20, "per_identity_per_target"),
    perTarget: count(sessions.per_target, 100, "per_target"),
    idleTimeoutMs: count(sessions.idle_timeout_seconds, 900, "idle_timeout_seconds", true) * 1000,
  };
}
