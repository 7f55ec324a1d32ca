import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Provider } from "oidc-provider";
import { DEFAULT_MACHINES, DEFAULT_USERS, type DemoMachine, type DemoUser } from "./demo-users.js";
import { handleInteraction } from "./interactions.js";
import { loadOidcProvider } from "./load-oidc-provider.js";
import { MemoryStore } from "./memory-adapter.js";
import { errorPage } from "./pages.js";
import { CONSOLE_REDIRECT_URIS, DEFAULT_TTLS, HUMAN_SCOPES, providerConfiguration, type ProviderTtls } from "./provider-configuration.js";
import { generateSigningKey, type SigningKey } from "./signing-key.js";
import { messageOf } from "../../engine/errors.js";

export type { DemoMachine, DemoUser } from "./demo-users.js";
export type { SigningKey } from "./signing-key.js";
export { DEFAULT_MACHINES, DEFAULT_USERS } from "./demo-users.js";

/** Path prefix of the demo's account-removal hook: `DELETE /demo/accounts/<username>`. */
export const DEMO_ACCOUNTS = "/demo/accounts/";

export interface IdentityProviderOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  users?: DemoUser[];
  machines?: DemoMachine[];
  /** The public client people log in with (default `portcullis-cli`). */
  humanClientId?: string;
  /** `aud` of machine access tokens (default `portcullis`). */
  audience?: string;
  /** Token lifetimes in seconds, e.g. `{ idToken: 2 }` to make `portcullis token` refresh. */
  ttl?: Partial<ProviderTtls>;
  /**
   * The polling `interval` (seconds) advertised in device authorization responses. oidc-provider
   * sends none, which makes clients wait the RFC 8628 default of 5 s between polls; tests use 1.
   */
  devicePollIntervalSeconds?: number;
  /** Where server errors go (default: stderr). Nothing else is logged. */
  log?: (line: string) => void;
}

export interface RunningIdentityProvider {
  /** The issuer URL, e.g. `http://127.0.0.1:41234` (also its discovery base). */
  issuer: string;
  port: number;
  /** Public client for people: device flow and refresh tokens; id tokens carry email and groups. */
  humanClientId: string;
  /** The scopes `portcullis login` should ask for. */
  humanScopes: string[];
  /** The first machine client (client_credentials, JWT access tokens). */
  machineClient: { id: string; secret: string };
  machineClients: DemoMachine[];
  /** A confidential client allowed to call the introspection endpoint (RFC 7662). */
  gatewayClient: { id: string; secret: string };
  /**
   * The web console's confidential client (authorization code with PKCE). Its redirect URIs are the
   * loopback `/console/callback` on any port, so a gateway on a port chosen at start can use it.
   */
  consoleClient: { id: string; secret: string; redirectUris: string[] };
  /** `aud` of machine access tokens. */
  audience: string;
  /** The resource indicator (RFC 8707) machine tokens are issued for by default. */
  resource: string;
  users: DemoUser[];
  /** The key currently signing tokens (the provider's real key: tests may forge with it). */
  readonly signingKey: SigningKey;
  /** Every published key, the signing one first. */
  readonly signingKeys: SigningKey[];
  /** How many requests the provider has served for `path` (e.g. `/jwks`): tests count key set fetches. */
  requestCount(path: string): number;
  /**
   * Starts signing with a new key while still publishing the old ones, as a real issuer rotates.
   * Sessions, grants and refresh tokens survive; only the Provider object is rebuilt.
   */
  rotateSigningKey(): Promise<SigningKey>;
  /**
   * Off-boards `username` at the provider, as deleting an account in a real IdP does: the account can
   * no longer sign in or refresh, and every token issued to it is inactive at introspection. Also
   * reachable as `DELETE /demo/accounts/<username>` on the provider's loopback port (the demo's
   * admin hook: answers 204, or 404 for an unknown user). Returns false for an unknown user.
   */
  removeUser(username: string): boolean;
  close(): Promise<void>;
}

/**
 * Starts a real OpenID provider (oidc-provider) on loopback for tests and the demo, with our own
 * signing keys, demo users and machine clients, and our own sign-in pages.
 */
export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<RunningIdentityProvider> {
  const { Provider: ProviderClass, errors } = await loadOidcProvider();
  const users = options.users ?? DEFAULT_USERS.map((u) => ({ ...u, groups: [...u.groups] }));
  const machines = options.machines ?? DEFAULT_MACHINES.map((m) => ({ ...m, groups: [...m.groups], claims: structuredClone(m.claims) }));
  const humanClientId = options.humanClientId ?? "portcullis-cli";
  const audience = options.audience ?? "portcullis";
  const resource = `urn:portcullis:${audience}`;
  const gatewayClient = { id: "portcullis-gateway", secret: randomBytes(24).toString("base64url") };
  const consoleClient = { id: "portcullis-console", secret: randomBytes(24).toString("base64url"), redirectUris: [...CONSOLE_REDIRECT_URIS] };
  const ttl = { ...DEFAULT_TTLS, ...options.ttl };
  const pollInterval = options.devicePollIntervalSeconds ?? 5;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const store = new MemoryStore();
  const cookieKey = randomBytes(32).toString("base64url");
  const keys: SigningKey[] = [await generateSigningKey()];

  let provider: Provider | undefined;
  let providerHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const requestCounts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    requestCounts.set(path, (requestCounts.get(path) ?? 0) + 1);
    if (!provider || !providerHandler) {
      res.writeHead(503).end();
      return;
    }
    if (path.startsWith(DEMO_ACCOUNTS)) {
      // Demo-only admin hook; the provider listens on 127.0.0.1 only, so nobody off this machine reaches it.
      const removed = req.method === "DELETE" && removeUser(decodeURIComponent(path.slice(DEMO_ACCOUNTS.length)));
      res.writeHead(req.method !== "DELETE" ? 405 : removed ? 204 : 404).end();
      return;
    }
    if (path.startsWith("/interaction/")) {
      handleInteraction(provider, users, req, res).catch((error: unknown) => {
        log(`identity provider: interaction error: ${messageOf(error)}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/html; charset=utf-8" }).end(errorPage("server_error", "internal error"));
      });
      return;
    }
    providerHandler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const build = (): void => {
    const next = new ProviderClass(
      issuer,
      providerConfiguration({ users, machines, humanClientId, gatewayClient, consoleClient, resource, audience, keys, cookieKey, store, ttl, InvalidTarget: errors.InvalidTarget }),
    );
    next.use(async (ctx, nextMiddleware) => {
      await nextMiddleware();
      if (ctx.method === "POST" && ctx.path === "/device/auth" && ctx.status === 200 && isObject(ctx.body)) ctx.body.interval = pollInterval;
    });
    next.on("server_error", (_ctx: unknown, error: unknown) => log(`identity provider: server error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
    provider = next;
    providerHandler = next.callback();
  };
  const removeUser = (username: string): boolean => {
    const at = users.findIndex((u) => u.username === username);
    if (at < 0) return false;
    users.splice(at, 1);
    store.removeAccount(username);
    // findAccount reads the users given at build time: rebuild so the account cannot sign in or refresh.
    build();
    return true;
  };
  try {
    build();
  } catch (error) {
    server.close();
    throw error;
  }

  const machineClient = machines[0];
  return {
    issuer,
    port,
    humanClientId,
    humanScopes: [...HUMAN_SCOPES],
    machineClient: machineClient ? { id: machineClient.clientId, secret: machineClient.clientSecret } : { id: "", secret: "" },
    machineClients: machines,
    gatewayClient,
    consoleClient,
    audience,
    resource,
    users,
    get signingKey() {
      return keys[0]!;
    },
    get signingKeys() {
      return [...keys];
    },
    requestCount: (path) => requestCounts.get(path) ?? 0,
    async rotateSigningKey() {
      // oidc-provider signs with the first key of an algorithm; the old ones stay published for verifiers.
      keys.unshift(await generateSigningKey());
      build();
      return keys[0]!;
    },
    removeUser,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          store.clear();
          resolve();
        });
      }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
