import type { IdentityConfig } from "../identity/config.js";
import type { SecretSource } from "../credentials/secret-source.js";

/** The config file as written (schemas/config.json). */
export interface ConfigFile {
  state_dir?: string;
  listen?: { http?: string; postgres?: string; ssh?: string; kubernetes?: string };
  kubernetes?: { tls?: { cert_file?: string; key_file?: string } };
  policy?: { dir?: string; watch?: boolean; run_tests?: boolean };
  identity?: IdentityConfig;
  postgres?: {
    tls?: { cert_file?: string; key_file?: string; self_signed?: boolean; required?: boolean };
    allow_cleartext_tokens?: boolean;
    message_limit_bytes?: number;
    /** Open sessions per identity per target (default 20), per target (default 100); idle seconds before a session is closed (default 900, 0: never). */
    sessions?: { per_identity_per_target?: number; per_target?: number; idle_timeout_seconds?: number };
    /** The most bytes of SQL text in one Query or Parse message (default 1 MiB). */
    max_query_bytes?: number;
    /** The most statements in one Query message (default 1000). */
    max_statements_per_message?: number;
    /** The older spelling of `targets` entries of `type: postgres` (still read). */
    targets?: Array<Omit<PostgresTargetFile, "type">>;
  };
  /** The SSH listener: seconds a connection may take to log in (default 30), unauthenticated connections at once (default 100). */
  ssh?: { login_grace_seconds?: number; max_unauthenticated?: number };
  /** Every target, of any protocol, tagged by `type`. */
  targets?: TargetFile[];
  masking?: { hash_key?: SecretSource };
  audit?: { path?: string; durability?: "write" | "fsync"; store?: "file" | { postgres: SecretSource } };
  recordings?: { dir?: string; enabled?: boolean };
  approvals?: { store?: "file" | { postgres: SecretSource }; pending_seconds?: number; webhook?: { url: string; secret: SecretSource } };
  revocations?: { store?: "file" | { postgres: SecretSource }; poll_ms?: number };
  limits?: { store?: "file" | { postgres: SecretSource } };
  console?: { issuer: string; client_id: string; client_secret?: SecretSource; public_url?: string; viewer_groups?: string[] };
}

export interface PostgresTargetFile {
  name: string;
  type: "postgres";
  tags?: Record<string, string>;
  host: string;
  port?: number;
  database: string;
  user: string;
  password: SecretSource;
  tls?: "disable" | "prefer" | "require" | "verify-full";
  ca_file?: string;
  connect_timeout_ms?: number;
  ephemeral_roles?: { group_roles: string[]; prefix?: string };
}

export interface SshTargetFile {
  name: string;
  type: "ssh";
  tags?: Record<string, string>;
  host: string;
  port?: number;
  /** The login user on the target. */
  user: string;
  /** The private key (OpenSSH or PEM) the gateway logs in upstream with. */
  private_key: SecretSource;
  /** The target's host public key(s) (`ssh-ed25519 AAAA…`, as in known_hosts without the host name); required unless accept_any_host_key. */
  host_key?: string | string[];
  /** Log in to whatever host key the target presents (no host_key): only for throwaway targets. */
  accept_any_host_key?: boolean;
  connect_timeout_ms?: number;
  /** What `ssh -t` opens: `raw` (default), the target's shell decided as a whole; `command`, the gateway's prompt, which decides each line. */
  interactive?: "raw" | "command";
}

export interface KubernetesTargetFile {
  name: string;
  type: "kubernetes";
  tags?: Record<string, string>;
  server: string;
  ca_file?: string;
  token?: SecretSource;
  client_cert_file?: string;
  client_key_file?: string;
  impersonate_extra?: Record<string, string>;
}

/** A target as written in the config file, tagged by its protocol. */
export type TargetFile = PostgresTargetFile | SshTargetFile | KubernetesTargetFile;

export interface ListenAddress {
  host: string;
  port: number;
}

/** The config after defaults, with paths absolute and secrets resolved. */
export interface GatewayConfig {
  stateDir: string;
  listen: { http: ListenAddress; postgres: ListenAddress; /** Undefined when neither configured nor needed (no SSH target). */ ssh?: ListenAddress; kubernetes: ListenAddress };
  /** The Kubernetes listener's certificate files; without them the gateway's self-signed certificate. */
  kubernetes: { tls: { certFile?: string; keyFile?: string } };
  policy: { dir: string; watch: boolean; runTests: boolean };
  identity: IdentityConfig;
  postgres: {
    tls: { certFile?: string; keyFile?: string; selfSigned: boolean; required: boolean };
    /** Tokens may arrive without TLS from hosts other than this one (default false: loopback only). */
    allowCleartextTokens: boolean;
    messageLimitBytes: number;
    sessions: { perIdentityPerTarget: number; perTarget: number; idleTimeoutMs: number };
    /** Over either, a message is refused (54000) before it is analysed. */
    queryLimits: { maxBytes: number; maxStatements: number };
  };
  ssh: { loginGraceSeconds: number; maxUnauthenticated: number };
  /** Every target, of any protocol; each listener serves the targets of its `type`. */
  targets: TargetConfig[];
  /** Undefined: generated once and kept in the state directory. */
  maskingHashKey: string | undefined;
  auditPath: string;
  auditDurability: "write" | "fsync";
  /** Set when the audit log is in PostgreSQL (audit.store), shared by gateway instances; auditPath is then unused. */
  auditPostgresUrl?: string;
  recordings: { dir: string; enabled: boolean };
  approvals: { store: { file: string } | { postgresUrl: string }; pendingSeconds?: number; webhook?: { url: string; secret: string } };
  /** Revocations: in the state directory (one instance), or in PostgreSQL shared by instances and read every pollMs. */
  revocations: { postgresUrl?: string; pollMs: number };
  /** The counts behind window limits: a file in the state directory (one instance), or PostgreSQL shared by instances. */
  limits: { file: string } | { postgresUrl: string };
  console?: { issuer: string; clientId: string; clientSecret?: string; publicUrl?: string; viewerGroups?: string[] };
}

/** A PostgreSQL target as the gateway uses it: where it is and the credentials only the gateway holds. */
export interface PostgresTarget {
  type: "postgres";
  /** The name clients select with the startup message's `database` and policies see as `target.name`. */
  name: string;
  tags: Record<string, string>;
  host: string;
  port: number;
  /** The real database name on the server. */
  database: string;
  user: string;
  /** Resolved at config load from the config, an environment variable or a file; never from the client. */
  password: string;
  /** `disable`: plain TCP; `prefer`: TLS when offered; `require`: TLS or fail; `verify-full`: TLS with certificate and host checks. */
  tls: "disable" | "prefer" | "require" | "verify-full";
  /** PEM CA bundle for `verify-full`. */
  ca?: string;
  /** Upstream connect timeout in milliseconds. */
  connectTimeoutMs?: number;
  /** Log in as a role made for each session, member of one of `groups` (the first unless the policy names another). */
  ephemeralRoles?: { groups: string[]; prefix: string };
}

/** An SSH target as the gateway uses it: where sshd listens, the login user, and the key only the gateway holds. */
export interface SshTarget {
  type: "ssh";
  /** The name clients select with the login name `USER+NAME` and policies see as `target.name`. */
  name: string;
  tags: Record<string, string>;
  host: string;
  port: number;
  user: string;
  /** Resolved at config load from the config, an environment variable or a file; never from the client. */
  privateKey: string;
  /** Host public keys the target must present (`TYPE BASE64`); empty: not checked. */
  hostKeys: string[];
  connectTimeoutMs?: number;
  /** `raw`: an interactive shell is the target's, decided as a whole; `command`: the gateway's prompt decides each line. */
  interactive: "raw" | "command";
}

/** A Kubernetes apiserver as the gateway reaches it: as itself, with credentials only it holds. */
export interface KubernetesTarget {
  type: "kubernetes";
  name: string;
  tags: Record<string, string>;
  /** The apiserver's URL, https, perhaps with a path prefix. */
  server: string;
  /** PEM CA bundle for the apiserver's certificate. */
  ca?: string;
  /** The gateway's bearer token upstream (resolved at load; never from the client). */
  token?: string;
  /** The gateway's client certificate and key upstream (PEM). */
  clientCert?: string;
  clientKey?: string;
  /** Identity claims sent as Impersonate-Extra-KEY: claim name → extra key. */
  impersonateExtra: Record<string, string>;
}

/** A configured target of any protocol, tagged by `type`; `policyTarget` makes the policy's view of one. */
export type TargetConfig = PostgresTarget | SshTarget | KubernetesTarget;

/** The configured targets one protocol's listener serves. */
export function targetsOfType<T extends TargetConfig["type"]>(targets: TargetConfig[], type: T): Array<Extract<TargetConfig, { type: T }>> {
  return targets.filter((t): t is Extract<TargetConfig, { type: T }> => t.type === type);
}
