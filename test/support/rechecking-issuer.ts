import type { IssuerConfig, SessionRecheckConfig } from "../../engine/identity/config.js";
import type { RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";

/**
 * The demo provider's people as a trusted issuer whose open sessions are re-checked with it: their
 * access tokens are opaque, so introspection (with the provider's gateway client) both verifies them
 * and answers the re-checks.
 */
export function recheckingPeople(idp: RunningIdentityProvider, recheck: SessionRecheckConfig): IssuerConfig {
  return {
    name: "people",
    issuer: idp.issuer,
    audience: idp.humanClientId,
    kind: "human",
    groups_claim: "groups",
    introspection: { client_id: idp.gatewayClient.id, client_secret: idp.gatewayClient.secret },
    session_recheck: recheck,
  };
}
