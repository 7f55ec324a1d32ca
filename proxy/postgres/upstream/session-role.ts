import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { serialize } from "pg-protocol";
import { Parser } from "pg-protocol/dist/parser.js";
import type { Identity } from "../../../engine/policy/types.js";
import { connectUpstream, UpstreamError } from "./connect.js";
import type { PostgresTarget } from "./target.js";

/**
 * Per-session database roles: instead of logging in to a target as one long-lived user, the gateway
 * makes a role for the session with the target's own (CREATEROLE) login, logs in as it, and drops it
 * when the session ends. The role is named after the person (the database's logs and
 * pg_stat_activity say who), holds one group role the policy chose, expires with the token
 * (VALID UNTIL) and has a random password nobody sees: the server gets only its SCRAM verifier, so
 * not even a statement log holds it. Roles a crashed gateway left are found by their prefix and this
 * instance's id, and dropped at start-up.
 * https://www.postgresql.org/docs/current/sql-createrole.html
 */

export interface SessionRole {
  /** The role's name, and the password to log in with (never shown or logged). */
  user: string;
  password: string;
  /** Reassigns what the role owns to its group, and drops it. */
  drop(): Promise<void>;
}

const MAX_NAME_BYTES = 63;

/** `prefix` + this instance + a readable form of the subject + a random suffix, at most 63 bytes. */
export function sessionRoleName(prefix: string, instance: string, subject: string): string {
  const readable = subject.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "") || "user";
  const head = `${prefix}${instance}_`;
  const tail = `_${randomBytes(4).toString("hex")}`;
  return head + readable.slice(0, MAX_NAME_BYTES - head.length - tail.length) + tail;
}

/** A SCRAM-SHA-256 verifier for `password` (RFC 7677), as PostgreSQL stores it: the server never sees the password. */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Who the session is for, as the role's comment and the session's application_name say it. */
export function describeCaller(identity: Identity): string {
  const actors = (identity as Identity & { actors?: Array<{ subject: string }> }).actors ?? [];
  return actors.length > 0 ? `${identity.subject} via ${actors.map((a) => a.subject).join(" via ")}` : identity.subject;
}

/**
 * Makes the session's role: LOGIN, VALID UNTIL `expiresAt` (epoch seconds), member of `group`,
 * commented with the caller and session. Runs as the target's configured user.
 */
export async function createSessionRole(target: PostgresTarget, options: { instance: string; identity: Identity; sessionId: string; group: string; expiresAt: number }): Promise<SessionRole> {
  const prefix = target.ephemeralRoles?.prefix ?? "pc_";
  const user = sessionRoleName(prefix, options.instance, options.identity.subject);
  const password = randomBytes(24).toString("base64url");
  const until = new Date(options.expiresAt * 1000).toISOString();
  await adminSql(target, [
    `CREATE ROLE ${ident(user)} LOGIN PASSWORD ${literal(scramVerifier(password))} VALID UNTIL ${literal(until)} IN ROLE ${ident(options.group)}`,
    `COMMENT ON ROLE ${ident(user)} IS ${literal(`Portcullis session ${options.sessionId} for ${describeCaller(options.identity)} (${options.identity.issuer})`)}`,
  ]);
  return { user, password, drop: () => dropRole(target, user, options.group) };
}

async function dropRole(target: PostgresTarget, user: string, group: string): Promise<void> {
  // Its sessions are over; a backend still finishing must not keep the role alive. What it made
  // goes to its group (a role that owns nothing makes these no-ops; one the gateway may not
  // reassign from still fails at DROP ROLE, which is the error reported).
  await adminSql(target, [`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${literal(user)}`, `REASSIGN OWNED BY ${ident(user)} TO ${ident(group)}`, `DROP OWNED BY ${ident(user)}`], { continueOnError: true });
  await adminSql(target, [`DROP ROLE IF EXISTS ${ident(user)}`]);
}

/** Drops every role this instance made that is still there (a crash left it): at start-up, none is in use. */
export async function dropLeftoverRoles(target: PostgresTarget, instance: string): Promise<string[]> {
  const prefix = `${target.ephemeralRoles?.prefix ?? "pc_"}${instance}_`;
  const rows = await adminSql(target, [`SELECT rolname FROM pg_roles WHERE starts_with(rolname, ${literal(prefix)})`]);
  const names = rows.map((row) => row[0]!).filter((name) => name.startsWith(prefix));
  for (const name of names) {
    const groups = await adminSql(target, [`SELECT b.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles b ON b.oid = m.roleid WHERE r.rolname = ${literal(name)} LIMIT 1`]);
    await dropRole(target, name, groups[0]?.[0] ?? target.user);
  }
  return names;
}

/**
 * Runs statements one by one as the target's own user over the gateway's own upstream login (the
 * same TLS and authentication as every session), each in its own simple query; the first error
 * stops them unless `continueOnError`. Answers the text rows of the last.
 */
async function adminSql(target: PostgresTarget, statements: string[], options: { continueOnError?: boolean } = {}): Promise<Array<Array<string | null>>> {
  const connection = await connectUpstream(target, { application_name: "portcullis (session roles)" });
  const socket = connection.socket;
  const parser = new Parser();
  let rows: Array<Array<string | null>> = [];
  try {
    for (const sql of statements) {
      rows = await new Promise((resolve, reject) => {
        const got: Array<Array<string | null>> = [];
        let error: string | undefined;
        const onData = (chunk: Buffer): void => {
          parser.parse(chunk, (message) => {
            const m = message as unknown as { name: string; fields?: Array<string | null>; message?: string; code?: string };
            if (m.name === "dataRow") got.push(m.fields ?? []);
            else if (m.name === "error") error ??= `${m.code ?? ""} ${m.message ?? ""}`.trim();
            else if (m.name === "readyForQuery") {
              socket.off("data", onData);
              socket.off("close", onClose);
              if (error && !options.continueOnError) reject(new UpstreamError(`target ${target.name}: ${error}`));
              else resolve(got);
            }
          });
        };
        const onClose = (): void => reject(new UpstreamError(`target ${target.name} closed the connection`));
        socket.on("data", onData);
        socket.once("close", onClose);
        socket.write(serialize.query(sql));
      });
    }
  } finally {
    socket.end(serialize.end());
  }
  return rows;
}
