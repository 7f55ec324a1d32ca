/**
 * The part of oidc-provider v9 that the demo identity provider uses. The package ships no types and
 * @types/oidc-provider is not a dependency, so this declares only what proxy/demo calls, checked
 * against node_modules/oidc-provider/lib (provider.js, helpers/defaults.js, models/grant.js).
 */
declare module "oidc-provider" {
  import type { EventEmitter } from "node:events";
  import type { IncomingMessage, ServerResponse } from "node:http";
  import type { JWK } from "jose";

  export type UnknownObject = Record<string, unknown>;

  /** Koa's context as oidc-provider hands it to configuration callbacks (only what is read here). */
  export interface ProviderContext {
    body: unknown;
    type: string;
    status: number;
    oidc?: { client?: { clientId: string; clientName?: string } };
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    token_endpoint_auth_method?: string;
    scope?: string;
    [key: string]: unknown;
  }

  export interface ProviderClient {
    clientId: string;
  }

  export interface AccountClaims {
    sub: string;
    [claim: string]: unknown;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: UnknownObject, rejected: string[]): Promise<AccountClaims> | AccountClaims;
  }

  /** An access token, client-credentials token, refresh token… as passed to `extraTokenClaims`. */
  export interface TokenLike {
    kind: string;
    clientId?: string;
    accountId?: string;
    scope?: string;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: "opaque" | "jwt";
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  /** A storage back end: one instance per model name (Session, Grant, DeviceCode, …). */
  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface AdapterPayload {
    grantId?: string;
    userCode?: string;
    uid?: string;
    consumed?: number;
    [key: string]: unknown;
  }

  export type HtmlSource = (ctx: ProviderContext, ...rest: unknown[]) => Promise<void> | void;

  export interface Configuration {
    adapter?: (name: string) => Adapter;
    clients?: ClientMetadata[];
    jwks?: { keys: JWK[] };
    cookies?: { keys?: string[] };
    claims?: Record<string, string[] | null>;
    scopes?: string[];
    conformIdTokenClaims?: boolean;
    findAccount?: (ctx: unknown, sub: string, token?: unknown) => Promise<Account | undefined>;
    extraTokenClaims?: (ctx: unknown, token: TokenLike) => Promise<UnknownObject | undefined>;
    issueRefreshToken?: (ctx: unknown, client: unknown, code: unknown) => Promise<boolean>;
    interactions?: { url?: (ctx: unknown, interaction: Interaction) => string | Promise<string> };
    renderError?: (ctx: ProviderContext, out: UnknownObject, error: Error) => Promise<void> | void;
    responseTypes?: string[];
    pkce?: { required?: (ctx: unknown, client: unknown) => boolean };
    ttl?: Record<string, number | ((ctx: unknown, token: unknown, client: unknown) => number)>;
    clientBasedCORS?: (ctx: unknown, origin: string, client: unknown) => boolean;
    features?: {
      devInteractions?: { enabled: boolean };
      deviceFlow?: {
        enabled: boolean;
        userCodeInputSource?: (ctx: ProviderContext, form: string, out: unknown, err: unknown) => Promise<void>;
        userCodeConfirmSource?: (ctx: ProviderContext, form: string, client: unknown, deviceInfo: unknown, userCode: string) => Promise<void>;
        successSource?: (ctx: ProviderContext) => Promise<void>;
      };
      clientCredentials?: { enabled: boolean };
      introspection?: { enabled: boolean; allowedPolicy?: (ctx: unknown, client: ProviderClient, token: unknown) => Promise<boolean> };
      revocation?: { enabled: boolean; allowedPolicy?: (ctx: unknown, client: ProviderClient, token: TokenLike) => Promise<boolean> };
      rpInitiatedLogout?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: unknown, client: ProviderClient, oneOf?: string[]) => Promise<string | string[] | undefined>;
        useGrantedResource?: (ctx: unknown, model: unknown) => Promise<boolean>;
        getResourceServerInfo?: (ctx: unknown, resourceIndicator: string, client: ProviderClient) => Promise<ResourceServerInfo>;
      };
    };
  }

  export interface PromptDetails {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
    [key: string]: unknown;
  }

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: PromptDetails };
    params: { client_id?: string; scope?: string; [key: string]: unknown };
    session?: { accountId: string; uid?: string };
    grantId?: string;
    returnTo: string;
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
  }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string });
    static find(id: string): Promise<Grant | undefined>;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export class Provider extends EventEmitter {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's: true makes Koa skip its default console logging of errors. */
    silent: boolean;
    readonly Grant: typeof Grant;
    /** Koa middleware that runs around the provider's own routes (documented extension point). */
    use(middleware: (ctx: ProviderContext & { path: string; method: string }, next: () => Promise<void>) => Promise<void>): this;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResults, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  }

  /** The provider's OAuth error classes; a thrown one becomes that error response. */
  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };

  export default Provider;
}
