import { isIP } from "node:net";
import type { Identity } from "../../engine/policy/types.js";

/**
 * What the names in a PostgreSQL login mean at the gateway.
 *
 * The token (the password) says who connects; the database name picks the target; the gateway logs in
 * upstream as the target's own role. The user name is therefore not a role: it is the client saying
 * who it thinks it is, and it must agree with the token, so that a log line, a `current_user`-minded
 * script or a person reading `psql`'s prompt never sees one name while another identity acts. It is
 * accepted when it is:
 *   - the token's subject, exactly (`alice@example.com`);
 *   - the part of an e-mail subject before the `@` (`alice`);
 *   - `token`: "whoever the token names", for clients that must send some user name (CI jobs).
 * Claims such as preferred_username are not accepted: providers often let people choose them, and
 * the point is that the name shown agrees with the identity that acts.
 * Anything else is refused with 28000 after the token is checked. Names holding control or
 * formatting characters (newlines, escape sequences, bidirectional overrides) are refused before,
 * and never written anywhere raw: they could forge lines in a terminal or a log.
 */

/** The conventional user name that defers to the token. */
export const TOKEN_USER = "token";

// C0 and C1 controls, DEL, and Unicode format characters (bidirectional overrides, zero-width joiners…).
const UNSAFE = /[\p{Cc}\p{Cf}]/u;

/** Why a startup name (user or database) cannot be used, or undefined when it can. */
export function unsafeName(name: string): string | undefined {
  if (UNSAFE.test(name)) return "it contains control or formatting characters";
  if (name.includes("\uFFFD")) return "it is not valid UTF-8";
  return undefined;
}

/** Text from a client as it may be shown or stored: every control or formatting character escaped, at most `max` characters. */
export function visibleName(name: string, max = 256): string {
  const escaped = name.replace(/[\p{Cc}\p{Cf}\\]/gu, (c) => (c === "\\" ? "\\\\" : `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`));
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

/** The user names that stand for `identity`, in the order they are suggested to a client that sent another. */
export function acceptedUserNames(identity: Identity): string[] {
  const names = [identity.subject];
  const at = identity.subject.lastIndexOf("@");
  if (at > 0) names.push(identity.subject.slice(0, at));
  names.push(TOKEN_USER);
  return [...new Set(names)];
}

/** True when the startup user name agrees with the token's identity. */
export function userNameMatches(user: string, identity: Identity): boolean {
  return acceptedUserNames(identity).includes(user);
}

/** True for a peer on this machine: the only place a token may travel without TLS unless configured otherwise. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith("127.");
  return address === "::1";
}
