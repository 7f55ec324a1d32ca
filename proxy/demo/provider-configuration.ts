import type { Account, ClientMetadata, Configuration, ProviderContext, TokenLike } from "oidc-provider";
import type { DemoMachine, DemoUser } from "./demo-users.js";
import type { MemoryStore } from "./memory-adapter.js";
import { deviceConfirmPage, deviceInputPage, deviceSuccessPage, errorPage } from "./pages.js";
import type { SigningKey } from "./signing-key.js";

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** Lifetimes in seconds; tests shorten them to make tokens expire on cue. */
export interface ProviderTtls {
  idToken: number;
  accessToken: number;
  refreshToken: number;
  clientCredentials: number;
  deviceCode: number;
}

export const DEFAULT_TTLS: ProviderTtls = {
  idToken: 3600,
  accessToken: 3600,
  refreshToken: 14 * 24 * 3600,
  clientCredentials: 600,
  deviceCode: 600,
};

export interface ProviderSetup {
  users: readonly DemoUser[];
  machines: readonly DemoMachine[];
  humanClientId: string;
  gatewayClient: { id: string; secret: string };
  consoleClient: { id: string; secret: string; redirectUris: readonly string[] };
  /** The resource indicator (RFC 8707) machine tokens are issued for, and the `aud` they then carry. */
  resource: string;
  audience: string;
  keys: readonly SigningKey[];
  cookieKey: string;
  store: MemoryStore;
  ttl: ProviderTtls;
  /** oidc-provider throws this class for an unknown resource indicator (invalid_target). */
  InvalidTarget: new (description?: string) => Error;
}

/**
 * Where the web console's client may be sent back to. As a "native" client (RFC 8252 section 7.3) its
 * loopback redirect URIs match on any port, which is what lets a gateway listening on a port chosen
 * at start (tests, `--listen-http`) use the same demo provider.
 */
export const CONSOLE_REDIRECT_URIS = ["http://127.0.0.1/console/callback", "http://localhost/console/callback"] as const;

/** Scopes the human client asks for: id tokens then carry email, name and groups, plus a refresh token. */
export const HUMAN_SCOPES = ["openid", "email", "profile", "groups", "offline_access"];

/**
 * The oidc-provider configuration of the demo identity provider: one public client for people
 * (device flow + refresh tokens), client-credentials clients for workloads (JWT access tokens with
 * `groups` and CI claims), a confidential client the gateway may use for introspection, and the web
 * console's confidential client (authorization code with PKCE, back to the gateway's /console/callback).
 * Every default that would print a "you SHOULD change this" notice is replaced, so runs stay quiet.
 */
export function providerConfiguration(setup: ProviderSetup): Configuration {
  const users = new Map(setup.users.map((u) => [u.username, u]));
  const machines = new Map(setup.machines.map((m) => [m.clientId, m]));
  const clientName = (ctx: ProviderContext): string => ctx.oidc?.client?.clientName ?? ctx.oidc?.client?.clientId ?? "a client";

  const clients: ClientMetadata[] = [
    {
      client_id: setup.humanClientId,
      client_name: "Portcullis CLI",
      token_endpoint_auth_method: "none",
      grant_types: [DEVICE_CODE_GRANT, "refresh_token"],
      response_types: [],
      redirect_uris: [],
    },
    ...setup.machines.map(
      (m): ClientMetadata => ({
        client_id: m.clientId,
        client_secret: m.clientSecret,
        client_name: m.clientId,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      }),
    ),
    {
      client_id: setup.gatewayClient.id,
      client_secret: setup.gatewayClient.secret,
      client_name: "Portcullis gateway",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: setup.consoleClient.id,
      client_secret: setup.consoleClient.secret,
      client_name: "Portcullis console",
      application_type: "native",
      token_endpoint_auth_method: "client_secret_basic",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      redirect_uris: [...setup.consoleClient.redirectUris],
    },
  ];

  return {
    adapter: setup.store.adapter,
    clients,
    jwks: { keys: setup.keys.map((k) => k.privateJwk) },
    cookies: { keys: [setup.cookieKey] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
      groups: ["groups"],
    },
    scopes: ["openid", "offline_access"],
    // The one browser redirect flow is the console's authorization code flow (with PKCE).
    responseTypes: ["code"],
    // Every authorization code must be bound to a PKCE verifier (S256), confidential client or not.
    pkce: { required: () => true },
    // By default (conform) scope claims go to userinfo only; the gateway reads them from the id token.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub): Promise<Account | undefined> {
      const user = users.get(sub);
      if (!user) return undefined;
      return {
        accountId: user.username,
        claims: () => ({
          sub: user.username,
          email: user.email,
          email_verified: true,
          name: user.name,
          preferred_username: user.username,
          groups: [...user.groups],
        }),
      };
    },
    async extraTokenClaims(_ctx, token: TokenLike) {
      // Workload tokens carry what a CI provider's token would: groups plus repository/ref/workflow.
      const machine = token.kind === "ClientCredentials" && token.clientId ? machines.get(token.clientId) : undefined;
      if (machine) return { groups: [...machine.groups], ...machine.claims };
      const user = token.accountId ? users.get(token.accountId) : undefined;
      return user ? { groups: [...user.groups] } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = errorPage(String(out.error ?? "error"), typeof out.error_description === "string" ? out.error_description : undefined);
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: setup.ttl.accessToken,
      AuthorizationCode: 60,
      ClientCredentials: setup.ttl.clientCredentials,
      DeviceCode: setup.ttl.deviceCode,
      IdToken: setup.ttl.idToken,
      RefreshToken: setup.ttl.refreshToken,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    features: {
      // We serve our own interaction routes (proxy/demo/interactions.ts) instead.
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: {
        enabled: true,
        // A client may revoke its own tokens (`portcullis logout` revokes its refresh token).
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // Only the gateway may introspect: it is the resource server these tokens are for.
        allowedPolicy: async (_ctx, client) => client.clientId === setup.gatewayClient.id,
      },
      deviceFlow: {
        enabled: true,
        async userCodeInputSource(ctx, form, _out, err) {
          ctx.body = deviceInputPage(form, deviceError(err));
        },
        async userCodeConfirmSource(ctx, form, _client, _deviceInfo, userCode) {
          ctx.body = deviceConfirmPage(form, clientName(ctx), userCode);
        },
        async successSource(ctx) {
          ctx.body = deviceSuccessPage(clientName(ctx));
        },
      },
      resourceIndicators: {
        enabled: true,
        // Workloads get a JWT for the gateway without naming it; people get an opaque userinfo token.
        async defaultResource(_ctx, client, oneOf) {
          if (oneOf) return oneOf;
          return machines.has(client.clientId) ? setup.resource : undefined;
        },
        async getResourceServerInfo(_ctx, indicator) {
          if (indicator !== setup.resource) throw new setup.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: "",
            audience: setup.audience,
            accessTokenFormat: "jwt",
            accessTokenTTL: setup.ttl.clientCredentials,
            jwt: { sign: { alg: "RS256" } },
          };
        },
      },
    },
  };
}

/** The message for oidc-provider's re-render errors on the user-code page (classes from helpers/re_render_errors.js). */
function deviceError(err: unknown): string | undefined {
  if (!err) return undefined;
  const name = err instanceof Error ? err.name : "";
  switch (name) {
    case "NoCodeError":
    case "NotFoundError":
      return "That code is not valid. Check it and try again.";
    case "ExpiredError":
      return "That code has expired. Start the sign-in again on your device.";
    case "AlreadyUsedError":
      return "That code was already used.";
    case "AbortedError":
      return "The sign-in was cancelled.";
    default:
      return "Something went wrong processing your request.";
  }
}
