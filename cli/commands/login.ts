import * as oidc from "openid-client";
import { visible } from "../../engine/text/visible-text.js";
import { stringOption, UsageError, type Command } from "../command.js";
import { credentialsPath, writeCredentials } from "../credential-store.js";
import { gatewayJson, isObject, resolveGateway } from "../gateway-client.js";
import { DEFAULT_SCOPES, describeOidcError, discoverIssuer, oauthErrorCode } from "../issuer-client.js";
import { credentialsFromTokens } from "../session.js";

/** One issuer people can log in with, as the gateway's `GET /v1/login-config` lists it. */
interface LoginIssuer {
  name: string;
  issuer: string;
  client_id: string;
  scopes: string[];
}

export const loginCommand: Command = {
  words: ["login"],
  options: {
    issuer: { type: "string" },
    gateway: { type: "string" },
    "issuer-url": { type: "string" },
    "client-id": { type: "string" },
    scope: { type: "string" },
  },
  help: `Usage: portcullis login [--issuer NAME] [--gateway URL]
       portcullis login --issuer-url URL --client-id ID [--scope SCOPES] [--gateway URL]

Signs you in with the OAuth 2.0 device authorization grant (RFC 8628): it prints a web address and
a code; open the address in any browser, enter the code and sign in. The tokens are stored under
$PORTCULLIS_CONFIG_DIR, else $XDG_CONFIG_HOME/portcullis, else ~/.config/portcullis, readable by
you only (0600), and refreshed when they expire.

Which identity provider: the gateway lists the issuers people can log in with
(GET <gateway>/v1/login-config); pick one with --issuer when there are several. Or name the
issuer and its public client directly with --issuer-url and --client-id.

Options:
  --issuer NAME       the issuer to use, by the name the gateway gives it
  --gateway URL       the gateway (default: $PORTCULLIS_GATEWAY); remembered for token and whoami
  --issuer-url URL    the identity provider's issuer URL, instead of asking the gateway
  --client-id ID      the public client to log in as (with --issuer-url)
  --scope SCOPES      scopes to ask for (default: "${DEFAULT_SCOPES}")
  -h, --help          show this help

Exit status: 0 when signed in, 1 on failure (denied, expired code, unreachable), 2 on bad usage.

Example:
  portcullis login --gateway https://gateway.example.com
  PGPASSWORD=$(portcullis token --target prod-db) psql "host=gateway.example.com dbname=app"`,
  async run(args) {
    const issuerUrl = stringOption(args, "issuer-url");
    const clientId = stringOption(args, "client-id");
    const issuerName = stringOption(args, "issuer");
    const gatewayFlag = stringOption(args, "gateway") ?? process.env.PORTCULLIS_GATEWAY;
    if ((issuerUrl === undefined) !== (clientId === undefined)) throw new UsageError("--issuer-url and --client-id go together");
    if (issuerUrl !== undefined && issuerName !== undefined) throw new UsageError("give either --issuer or --issuer-url, not both");

    let chosen: LoginIssuer;
    let gateway: string | undefined;
    if (issuerUrl !== undefined && clientId !== undefined) {
      gateway = gatewayFlag === undefined ? undefined : resolveGateway(gatewayFlag, undefined);
      chosen = { name: "", issuer: issuerUrl, client_id: clientId, scopes: [] };
    } else {
      if (gatewayFlag === undefined) throw new UsageError("no gateway to ask for issuers: pass --gateway URL, set PORTCULLIS_GATEWAY, or use --issuer-url with --client-id");
      gateway = resolveGateway(gatewayFlag, undefined);
      chosen = pickIssuer(await loginIssuers(gateway), issuerName, gateway);
    }
    const scope = stringOption(args, "scope") ?? (chosen.scopes.length > 0 ? chosen.scopes.join(" ") : DEFAULT_SCOPES);

    const config = await discoverIssuer(chosen.issuer, chosen.client_id);
    let started: oidc.DeviceAuthorizationResponse;
    try {
      started = await oidc.initiateDeviceAuthorization(config, { scope });
    } catch (error) {
      throw new Error(`${chosen.issuer} did not start a device sign-in for client ${chosen.client_id}: ${describeOidcError(error)}`);
    }
    // The person (or a script driving the sign-in) reads these on stdout; login prints nothing else there but the result.
    const minutes = Math.max(1, Math.round(started.expires_in / 60));
    process.stdout.write(
      `To sign in, open this page in a browser:\n\n  ${started.verification_uri}\n\nand enter the code:  ${started.user_code}\n` +
        (started.verification_uri_complete ? `\n(or open ${started.verification_uri_complete} to skip typing it)\n` : "") +
        `\nWaiting for you to sign in (the code expires in ${minutes} minute${minutes === 1 ? "" : "s"})…\n`,
    );

    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.pollDeviceAuthorizationGrant(config, started);
    } catch (error) {
      const code = oauthErrorCode(error);
      if (code === "access_denied") throw new Error("the sign-in was denied or cancelled in the browser");
      if (code === "expired_token" || (error instanceof Error && error.name === "TimeoutError")) throw new Error("the code expired before the sign-in finished; run `portcullis login` again");
      throw new Error(`the sign-in did not finish: ${describeOidcError(error)}`);
    }

    const base = { issuer: chosen.issuer, client_id: chosen.client_id, scope, ...(chosen.name ? { issuer_name: chosen.name } : {}), ...(gateway ? { gateway } : {}) };
    const credentials = credentialsFromTokens(tokens, base);
    writeCredentials(credentials);
    const claims = tokens.claims();
    const who = [claims?.email, claims?.sub].find((v): v is string => typeof v === "string") ?? "you";
    const groups = Array.isArray(claims?.groups) ? ` (groups: ${claims.groups.join(", ") || "none"})` : "";
    const refresh = credentials.refresh_token ? "" : "\nNote: the issuer gave no refresh token; you will need to log in again when this one expires.";
    // Who and the groups are the issuer's claims: shown with their controls escaped.
    console.log(`${visible`Logged in as ${who}${groups} at ${chosen.issuer}.`}\nTokens saved to ${credentialsPath()}.${refresh}`);
    return 0;
  },
};

async function loginIssuers(gateway: string): Promise<LoginIssuer[]> {
  const body = await gatewayJson(gateway, "/v1/login-config");
  const list = isObject(body) && Array.isArray(body.issuers) ? body.issuers : undefined;
  if (!list) throw new Error(`the gateway at ${gateway} sent a login configuration without an issuers list`);
  return list.filter(isLoginIssuer);
}

function pickIssuer(issuers: LoginIssuer[], name: string | undefined, gateway: string): LoginIssuer {
  if (issuers.length === 0) throw new Error(`the gateway at ${gateway} lists no issuers people can log in with`);
  if (name !== undefined) {
    const found = issuers.find((i) => i.name === name);
    if (!found) throw new UsageError(`no issuer named "${name}"; the gateway offers: ${issuers.map((i) => i.name).join(", ")}`);
    return found;
  }
  if (issuers.length > 1) throw new UsageError(`the gateway offers several issuers; pick one with --issuer (${issuers.map((i) => i.name).join(", ")})`);
  return issuers[0]!;
}

function isLoginIssuer(value: unknown): value is LoginIssuer {
  return (
    isObject(value) &&
    typeof value.name === "string" &&
    typeof value.issuer === "string" &&
    typeof value.client_id === "string" &&
    Array.isArray(value.scopes) &&
    value.scopes.every((s) => typeof s === "string")
  );
}
