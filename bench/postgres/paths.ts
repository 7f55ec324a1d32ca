import type { BenchIdentity } from "./identities.js";

/** Which pgbench script a path runs: the built-in `-S`, or the point select of masked `users` columns. */
export type Script = "select-only" | "users";

/**
 * Where pgbench connects: the server itself, PgBouncer, a do-nothing Node.js pipe (the ceiling), or one
 * of the Portcullis gateways (audit log at its default durability or with fdatasync, sessions recorded;
 * or neither: that one shows what the log and the recordings cost, and is no configuration the gateway
 * offers).
 */
export type Via = "direct" | "pgbouncer" | "pipe" | "portcullis" | "portcullis-audit" | "portcullis-unaudited";

export interface BenchPath {
  name: string;
  script: Script;
  via: Via;
  /** Whose gateway token pgbench presents (gateways only). */
  identity?: BenchIdentity;
  /** The path this one is compared with: the direct run of the same script. */
  baseline: string;
}

/** Every path, measured once per mode and client count, in this order within each (mode, clients) pair. */
export const PATHS: readonly BenchPath[] = [
  { name: "direct", script: "select-only", via: "direct", baseline: "direct" },
  { name: "pgbouncer", script: "select-only", via: "pgbouncer", baseline: "direct" },
  { name: "node-pipe", script: "select-only", via: "pipe", baseline: "direct" },
  { name: "portcullis", script: "select-only", via: "portcullis", identity: "reader", baseline: "direct" },
  { name: "portcullis+audit-fsync", script: "select-only", via: "portcullis-audit", identity: "reader", baseline: "direct" },
  { name: "portcullis-no-log", script: "select-only", via: "portcullis-unaudited", identity: "reader", baseline: "direct" },
  { name: "direct·users", script: "users", via: "direct", baseline: "direct·users" },
  { name: "portcullis·users", script: "users", via: "portcullis", identity: "reader", baseline: "direct·users" },
  { name: "portcullis+mask·users", script: "users", via: "portcullis", identity: "analyst", baseline: "direct·users" },
];

/** The users script: a point select by primary key, like `-S`, returning the two columns the default policy masks. */
export function usersScript(rows: number): string {
  return `\\set id random(1, ${rows})\nSELECT id, name, email, ssn FROM users WHERE id = :id;\n`;
}
