import type { Identity } from "../../engine/policy/types.js";
import type { Authentication } from "../gate/types.js";
import type { PostgresGatewayContext } from "./context.js";
import { createSessionRole, describeCaller, type SessionRole } from "./upstream/session-role.js";
import { UpstreamError } from "./upstream/connect.js";
import type { PostgresTarget } from "./upstream/target.js";

/** A role lives no longer than this when the token's expiry is unknown (an opaque token). */
const FALLBACK_LIFETIME_SECONDS = 3600;

/**
 * The role a session on a target with ephemeral_roles logs in as: member of the group role the
 * policy chose (session_limits.database_role), else the target's first; a group the target does not
 * offer refuses the login. It expires with the caller's token.
 */
export async function sessionRole(context: PostgresGatewayContext, target: PostgresTarget, auth: Extract<Authentication, { ok: true }>, sessionId: string, chosen: string | undefined): Promise<SessionRole> {
  const groups = target.ephemeralRoles!.groups;
  const group = chosen ?? groups[0]!;
  if (!groups.includes(group)) throw new UpstreamError(`the policy chose the database role ${JSON.stringify(group)}, which target ${target.name} does not offer (ephemeral_roles.group_roles)`, "28000");
  const expiresAt = auth.expiresAt ?? Math.floor(Date.now() / 1000) + FALLBACK_LIFETIME_SECONDS;
  return createSessionRole(target, { instance: context.sessionRoleInstance ?? "0", identity: auth.identity, sessionId, group, expiresAt });
}

/** What pg_stat_activity shows as application_name: who (and through which agents), then the client's own name. */
export function applicationName(identity: Identity, client: string | undefined): string {
  return `portcullis: ${describeCaller(identity)}${client ? ` (${client})` : ""}`;
}
