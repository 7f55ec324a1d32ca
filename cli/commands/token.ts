import { visibleJson, visibleLine } from "../../engine/text/visible-text.js";
import { choice, listOption, stringOption, UsageError, type Command } from "../command.js";
import { GatewayError, gatewayJson, isObject, resolveGateway } from "../gateway-client.js";
import { execCredential } from "../kube-credentials.js";
import { readCredentials } from "../credential-store.js";
import { freshCredentials, LOGIN_AGAIN, requireCredentials } from "../session.js";
import { readTokenArgument } from "../token-input.js";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";

export const tokenCommand: Command = {
  words: ["token"],
  options: {
    target: { type: "string", multiple: true },
    ttl: { type: "string" },
    gateway: { type: "string" },
    format: { type: "string" },
    kube: { type: "boolean" },
    "actor-token": { type: "string" },
    "subject-token": { type: "string" },
  },
  help: `Usage: portcullis token [--target NAME]... [--ttl SECONDS] [--gateway URL] [--format token|json] [--kube]
                        [--actor-token FILE|-] [--subject-token FILE|-]

Exchanges your sign-in (see \`portcullis login\`) for a short-lived gateway token (RFC 8693 token
exchange at POST <gateway>/v1/token) and prints only the token, so it can be used inline:

  PGPASSWORD=$(portcullis token --target prod-db) psql "host=gateway.example.com dbname=app"

Your identity provider's tokens are refreshed first when they have expired.

An agent acting for a person (RFC 8693 delegation) adds its own workload token as the actor:

  portcullis token --actor-token /var/run/secrets/agent/token            # for your sign-in
  portcullis token --subject-token person.jwt --actor-token agent.jwt    # for a token handed to it

The gateway token then names the person as its subject and, in its \`act\` claim, the agent after
any agents already acting for the person: an agent holding such a token delegates again to an agent
it launches by passing it as --subject-token. Policies decide each request for the person and for
every agent (the intersection); the chain may be at most identity.delegation.max_depth agents long,
and the token expires no later than any token in it.

Options:
  --target NAME       limit the token to this target; repeatable (default: not limited by the client)
  --ttl SECONDS       ask for a shorter lifetime (the gateway caps it)
  --gateway URL       the gateway (default: $PORTCULLIS_GATEWAY, else the one used at login)
  --format F          token (default: just the token) or json (the gateway's whole answer)
  --actor-token F     delegate: the acting agent's own token (from its trusted issuer), read from
                      file F or from standard input (-)
  --subject-token F   the token to act for, from file F or standard input (-), instead of your
                      sign-in: a person's token, or a gateway token already delegated
  --kube              print a client-go ExecCredential (the kubeconfig from \`portcullis kubeconfig\`
                      runs this), with the token's expiry
  -h, --help          show this help

Exit status: 0 with a token on stdout, 1 on failure (not logged in, sign-in expired, refused,
gateway unreachable), 2 on bad usage.`,
  async run(args) {
    const format = choice(args, "format", ["token", "json"] as const, "token");
    const ttl = stringOption(args, "ttl");
    if (ttl !== undefined && !/^[1-9]\d*$/.test(ttl)) throw new UsageError(`--ttl must be a positive whole number of seconds (got "${ttl}")`);
    const targets = listOption(args, "target");
    if (targets.some((t) => t.trim() === "")) throw new UsageError("--target needs a name");

    const actorFile = stringOption(args, "actor-token");
    const subjectFile = stringOption(args, "subject-token");
    if (actorFile === "-" && subjectFile === "-") throw new UsageError("only one of --actor-token and --subject-token can read standard input");
    const actorToken = actorFile === undefined ? undefined : readTokenArgument("actor-token", actorFile);

    let form: URLSearchParams;
    let gateway: string;
    if (subjectFile !== undefined) {
      // An agent may run where nobody signed in: the token it acts for is all it has.
      gateway = resolveGateway(stringOption(args, "gateway"), readCredentials()?.gateway);
      form = new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: readTokenArgument("subject-token", subjectFile), subject_token_type: JWT_TYPE });
    } else {
      const stored = requireCredentials();
      gateway = resolveGateway(stringOption(args, "gateway"), stored.gateway);
      const credentials = await freshCredentials(stored);
      form = new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: credentials.id_token, subject_token_type: ID_TOKEN_TYPE });
    }
    if (actorToken !== undefined) {
      form.set("actor_token", actorToken);
      form.set("actor_token_type", JWT_TYPE);
    }
    for (const target of targets) form.append("resource", target);
    if (ttl !== undefined) form.set("requested_ttl", ttl);
    let answer: unknown;
    try {
      answer = await gatewayJson(gateway, "/v1/token", { method: "POST", form });
    } catch (error) {
      // The gateway says only "authentication failed" (the precise reason is in its audit log).
      if (error instanceof GatewayError && error.error === "invalid_grant" && (actorToken !== undefined || subjectFile !== undefined)) {
        throw new Error(`the gateway refused the exchange: ${error.message} (a token expired, was revoked or is not trusted, or the delegation chain is too long; the gateway's log says which)`);
      }
      if (error instanceof GatewayError && error.error === "invalid_grant") throw new Error(`the gateway refused your sign-in: ${error.message}; if it persists, ${LOGIN_AGAIN}`);
      if (error instanceof GatewayError) throw new Error(`the gateway refused the token request: ${error.message}`);
      throw error;
    }
    if (!isObject(answer) || typeof answer.access_token !== "string") throw new Error(`the gateway at ${gateway} answered without an access_token`);
    if (args.values.kube === true) {
      process.stdout.write(`${execCredential(answer.access_token, typeof answer.expires_in === "number" ? answer.expires_in : undefined)}\n`);
      return 0;
    }
    process.stdout.write(format === "json" ? `${visibleJson(JSON.stringify(answer, null, 2))}\n` : `${visibleLine(answer.access_token)}\n`);
    return 0;
  },
};
