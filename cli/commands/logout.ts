import * as oidc from "openid-client";
import type { Command } from "../command.js";
import { credentialsPath, readCredentials, removeCredentials, type StoredCredentials } from "../credential-store.js";
import { describeOidcError, discoverIssuer } from "../issuer-client.js";

export const logoutCommand: Command = {
  words: ["logout"],
  options: {},
  help: `Usage: portcullis logout

Removes the tokens \`portcullis login\` stored, and asks the identity provider to revoke the refresh
token (RFC 7009) so a copy of it is useless too. The local tokens are removed even when the identity
provider cannot be reached. Gateway tokens already printed by \`portcullis token\` stay valid until
they expire (minutes); an administrator can revoke them at the gateway.

Options:
  -h, --help          show this help

Exit status: 0 when no sign-in remains stored (also when there was none), 1 on error, 2 on bad usage.`,
  async run() {
    const path = credentialsPath();
    let stored: StoredCredentials | undefined;
    try {
      stored = readCredentials(path);
    } catch {
      stored = undefined; // unreadable or from another version: still remove it below
    }
    const revoked = stored?.refresh_token ? await revokeRefreshToken(stored) : undefined;
    if (!removeCredentials(path)) {
      console.log(`Not logged in (nothing stored at ${path}).`);
      return 0;
    }
    console.log(`Logged out: removed ${path}.`);
    if (revoked) process.stderr.write(`portcullis: warning: ${revoked}\n`);
    return 0;
  },
};

/** Best effort: returns a warning when the identity provider could not revoke the token, else undefined. */
async function revokeRefreshToken(stored: StoredCredentials): Promise<string | undefined> {
  try {
    const config = await discoverIssuer(stored.issuer, stored.client_id);
    if (!config.serverMetadata().revocation_endpoint) return undefined;
    await oidc.tokenRevocation(config, stored.refresh_token!, { token_type_hint: "refresh_token" });
    return undefined;
  } catch (error) {
    return `could not revoke the refresh token at ${stored.issuer}: ${describeOidcError(error)}`;
  }
}
