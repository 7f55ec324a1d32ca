import { randomBytes } from "node:crypto";

/**
 * The people and programs a test cluster knows, each with a static bearer token:
 * - `admin`: in `system:masters`, for set-up and for tests that need to see everything;
 * - `gateway`: Portcullis's own upstream identity; RBAC lets it impersonate users and groups and
 *   nothing else, so every request it makes for someone is authorized as that someone;
 * - `alice`: a developer in group `dev` with namespaced permissions (see bootstrap.ts).
 */
export type Identity = "admin" | "gateway" | "alice";

export interface IdentityInfo {
  user: string;
  groups: string[];
}

export const IDENTITIES: Record<Identity, IdentityInfo> = {
  admin: { user: "portcullis-admin", groups: ["system:masters"] },
  gateway: { user: "portcullis-gateway", groups: [] },
  alice: { user: "alice", groups: ["dev"] },
};

/** kwok drives node and pod status as this user; the audit policy leaves its requests out. */
export const KWOK_IDENTITY: IdentityInfo = { user: "portcullis-kwok", groups: ["system:masters"] };

export type Tokens = Record<Identity, string>;

export function newTokens(): { tokens: Tokens; kwokToken: string } {
  const token = (): string => randomBytes(24).toString("base64url");
  return { tokens: { admin: token(), gateway: token(), alice: token() }, kwokToken: token() };
}

/**
 * The apiserver's --token-auth-file: `token,user,uid[,"group1,group2"]` per line. The group column is
 * left out for a user without groups: an empty one would give the user a group named "".
 */
export function tokenAuthFile(tokens: Tokens, kwokToken: string): string {
  const line = (token: string, info: IdentityInfo): string =>
    `${token},${info.user},${info.user}${info.groups.length > 0 ? `,"${info.groups.join(",")}"` : ""}\n`;
  return (Object.keys(IDENTITIES) as Identity[]).map((id) => line(tokens[id], IDENTITIES[id])).join("") + line(kwokToken, KWOK_IDENTITY);
}
