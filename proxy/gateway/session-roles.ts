import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { messageOf } from "../../engine/errors.js";
import { dropLeftoverRoles } from "../postgres/upstream/session-role.js";
import type { PostgresTarget } from "../postgres/upstream/target.js";

/**
 * This gateway instance's id for the per-session database roles it makes: kept in the state
 * directory, so a restart after a crash knows which leftover roles are its own (another instance
 * sharing the database has another id, and its live roles are left alone).
 */
export function sessionRoleInstance(stateDir: string): string {
  const file = join(stateDir, "session-role-instance");
  try {
    const id = readFileSync(file, "utf8").trim();
    if (/^[a-z0-9]{6}$/.test(id)) return id;
  } catch {
    // first start
  }
  const id = randomBytes(6).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 6);
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/** Drops the roles a crash left behind on every target with ephemeral_roles; resolves when done (failures are logged, not thrown). */
export async function cleanLeftoverRoles(targets: PostgresTarget[], instance: string, log: (line: string) => void): Promise<void> {
  await Promise.all(
    targets.filter((t) => t.ephemeralRoles).map(async (target) => {
      try {
        const dropped = await dropLeftoverRoles(target, instance);
        if (dropped.length > 0) log(`target ${target.name}: dropped ${dropped.length} session role(s) left from before: ${dropped.join(", ")}`);
      } catch (error) {
        log(`target ${target.name}: leftover session roles not dropped: ${messageOf(error)}`);
      }
    }),
  );
}
