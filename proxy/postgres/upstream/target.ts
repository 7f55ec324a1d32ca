/** A PostgreSQL target as the gateway uses it: where it is and the credentials only the gateway holds. */
export interface PostgresTarget {
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
}
