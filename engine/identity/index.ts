/** Identity: who is asking, proven by an OIDC token (people and machines) or a gateway token. */
export { IdentityService, type ExchangeOptions, type ExchangeResult, type IdentityServiceOptions, type LoginIssuer } from "./identity-service.js";
export type { IdentityConfig, IssuerConfig, GatewayTokenConfig } from "./config.js";
export { IdentityConfigError, validateIdentityConfig } from "./validate-config.js";
export { GatewayTokens, GATEWAY_AUDIENCE, type IssuedToken } from "./gateway-tokens.js";
export { IdentityVerifier, type VerifiedIdentity, type VerifyResult } from "./verifier.js";
export { GENERIC_AUTHENTICATION_FAILURE, type Rejection, type RejectionCode } from "./rejection.js";
export { Revocations } from "./revocations.js";
