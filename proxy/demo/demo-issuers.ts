import type { IssuerConfig } from "../../engine/identity/config.js";
import type { RunningIdentityProvider } from "./identity-provider.js";

/**
 * How the demo gateway trusts the demo provider. One provider, two kinds of identity: people sign in
 * to its clients (the CLI, the console); the `ci-deploy` workload gets client-credentials tokens for
 * the gateway's audience and is a service, so the demo exercises tickets as well as holds.
 */
export function demoIssuers(idp: RunningIdentityProvider): IssuerConfig[] {
  return [
    { name: "demo", issuer: idp.issuer, audience: [idp.humanClientId, idp.consoleClient.id], kind: "human", groups_claim: "groups", login: { client_id: idp.humanClientId } },
    { name: "demo-ci", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups" },
  ];
}
