import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** What `portcullis login` keeps so that `token` and `whoami` work without signing in again. */
export interface StoredCredentials {
  /** The issuer URL tokens come from, and the public client they were issued to. */
  issuer: string;
  client_id: string;
  /** The issuer's short name from the gateway's login configuration, when it came from there. */
  issuer_name?: string;
  scope: string;
  /** The gateway the person logged in through, if any (PORTCULLIS_GATEWAY or --gateway override it). */
  gateway?: string;
  id_token: string;
  access_token: string;
  refresh_token?: string;
  /** Epoch seconds when the id token (the token exchanged at the gateway) expires. */
  expires_at: number;
  /** Epoch seconds of the sign-in or the last refresh. */
  obtained_at: number;
}

const FILE_NAME = "credentials.json";

/** `$PORTCULLIS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/portcullis`, else `~/.config/portcullis`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PORTCULLIS_CONFIG_DIR) return env.PORTCULLIS_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith("/") ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "portcullis");
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), FILE_NAME);
}

/**
 * The stored credentials, or undefined when there are none. A file that others can read is still
 * used (refusing would lock the person out) but they are told, since it holds a refresh token.
 */
export function readCredentials(path = credentialsPath()): StoredCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if ((statSync(path).mode & 0o077) !== 0) process.stderr.write(`portcullis: warning: ${path} is readable by others; run chmod 600 ${path}\n`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON; run \`portcullis logout\` and \`portcullis login\` again`);
  }
  if (!isCredentials(parsed)) throw new Error(`${path} is not a credentials file this version understands; run \`portcullis logout\` and \`portcullis login\` again`);
  return parsed;
}

/**
 * Writes the credentials with mode 0600 in a 0700 directory. The file is written beside the old one
 * and renamed over it, so a crash never leaves half a file, and it never exists with a wider mode.
 */
export function writeCredentials(credentials: StoredCredentials, path = credentialsPath()): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600); // writeFileSync's mode is filtered by the umask; be exact
  renameSync(temporary, path);
}

/** Removes stored credentials; false when there were none. */
export function removeCredentials(path = credentialsPath()): boolean {
  try {
    statSync(path);
  } catch {
    return false;
  }
  rmSync(path, { force: true });
  return true;
}

function isCredentials(value: unknown): value is StoredCredentials {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const optionalString = (key: string) => v[key] === undefined || typeof v[key] === "string";
  return (
    typeof v.issuer === "string" &&
    typeof v.client_id === "string" &&
    typeof v.scope === "string" &&
    typeof v.id_token === "string" &&
    typeof v.access_token === "string" &&
    typeof v.expires_at === "number" &&
    typeof v.obtained_at === "number" &&
    optionalString("refresh_token") &&
    optionalString("gateway") &&
    optionalString("issuer_name")
  );
}
