import { visible, visibleJson } from "../../engine/text/visible-text.js";
import { stringOption, UsageError, type Command } from "../command.js";
import { GatewayError, gatewayJson } from "../gateway-client.js";
import { connect, connectionHelp, connectionOptions, formatFrom } from "./approvals-common.js";

export const revokeCommand: Command = {
  words: ["revoke"],
  options: { ...connectionOptions, subject: { type: "string" }, issuer: { type: "string" }, "token-id": { type: "string" }, "expires-at": { type: "string" } },
  help: `Usage: portcullis revoke --subject S [--issuer URL] | --token-id J [--expires-at EPOCH]
                        [--gateway URL] [--token TOKEN] [--format text|json]

Revokes, at the gateway (POST <gateway>/v1/revocations), for admins (members of the config's
identity.admin_groups, signed in themselves: an agent acting for an admin may not):

  portcullis revoke --subject alice            # off-boarding: every token alice holds now
  portcullis revoke --token-id 3f1c…           # one token (a gateway token's or an IdP token's jti)

A subject's revocation ends every token it holds now, from any issuer unless --issuer names one:
its identity provider tokens, its gateway tokens, and delegated tokens that name it as the person or
as one of the agents. A token id's revocation also ends every gateway token exchanged from it. Open
sessions resting on a revoked token (PostgreSQL, SSH) are ended within seconds with a message naming
the reason. With revocations in PostgreSQL (revocations.store, or audit.store) every gateway instance
sharing it applies them within a second or so. Signing in again later works: banning a person is
the identity provider's job.

Options:
  --subject S         the subject to revoke (as tokens carry it in sub)
  --issuer URL        only the subject's tokens from this issuer (default: from any issuer)
  --token-id J        the token id (jti) to revoke
  --expires-at EPOCH  when that token expires (epoch seconds): the entry is dropped after it
${connectionHelp}

Exit status: 0 when revoked, 1 when refused (not an admin, bad token) or on failure, 2 on bad usage.`,
  async run(args) {
    const format = formatFrom(args);
    const subject = stringOption(args, "subject");
    const tokenId = stringOption(args, "token-id");
    if ((subject === undefined) === (tokenId === undefined)) throw new UsageError("name exactly one of --subject or --token-id");
    const form = new URLSearchParams();
    if (subject !== undefined) {
      if (subject.trim() === "") throw new UsageError("--subject needs a subject");
      form.set("subject", subject);
      const issuer = stringOption(args, "issuer");
      if (issuer !== undefined) form.set("issuer", issuer);
    } else {
      if (tokenId!.trim() === "") throw new UsageError("--token-id needs a token id");
      form.set("token_id", tokenId!);
      const expiresAt = stringOption(args, "expires-at");
      if (expiresAt !== undefined && !/^[1-9]\d{0,11}$/.test(expiresAt)) throw new UsageError(`--expires-at must be epoch seconds (got "${expiresAt}")`);
      if (expiresAt !== undefined) form.set("expires_at", expiresAt);
    }
    if (stringOption(args, "issuer") !== undefined && subject === undefined) throw new UsageError("--issuer goes with --subject");
    const connection = await connect(args);
    let answer: unknown;
    try {
      answer = await gatewayJson(connection.gateway, "/v1/revocations", { method: "POST", bearer: connection.token, form });
    } catch (error) {
      if (error instanceof GatewayError && error.status === 401) throw new Error(`the gateway does not accept your token (${error.message}); pass a fresh --token or PORTCULLIS_TOKEN, or run \`portcullis login\``);
      if (error instanceof GatewayError) throw new Error(`cannot revoke: ${error.message}`);
      throw error;
    }
    if (format === "json") console.log(visibleJson(JSON.stringify(answer, null, 2)));
    else console.log(subject !== undefined ? visible`revoked subject ${subject}${stringOption(args, "issuer") ? ` from ${stringOption(args, "issuer")!}` : " from every issuer"}` : visible`revoked token ${tokenId!}`);
    return 0;
  },
};
