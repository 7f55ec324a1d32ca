import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildBundle, decide, loadNormalizers, PolicyEvaluator, type Identity } from "../../engine/index.js";
import { IdentityService } from "../../engine/identity/index.js";
import { DEFAULT_MACHINES, startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { deviceLogin } from "../support/device-login.js";
import { policyDir } from "../support/policy-dir.js";
import { sqlRequest } from "../support/requests.js";

/**
 * The point of verifying identities: a policy can say "only the deploy workflow on main may write",
 * and that holds for identities from the real provider, through the real policy engine (opa-built WASM).
 */
const POLICY = `package portcullis

default decision := {"allow": false, "reasons": ["no statement"]}

decision := {"allow": count(deny) == 0, "reasons": sort(deny)} if count(input.action.statements) > 0

deny contains "only the deploy workflow on main may write" if {
	some statement in input.action.statements
	count(statement.writes) > 0
	not deploy_on_main
}

deploy_on_main if {
	input.identity.kind == "service"
	"deployers" in input.identity.groups
	input.identity.claims.ref == "refs/heads/main"
	input.identity.claims.workflow == "deploy"
}
`;

let idp: RunningIdentityProvider;
let service: IdentityService;
let evaluator: PolicyEvaluator;

test.before(async () => {
  const feature = { clientId: "ci-feature", clientSecret: "ci-feature-secret", groups: ["ci", "deployers"], claims: { repository: "acme/shop", ref: "refs/heads/feature-x", workflow: "deploy" } };
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1, machines: [...DEFAULT_MACHINES.map((m) => ({ ...m })), feature] });
  service = await IdentityService.create({
    issuers: [
      { name: "people", issuer: idp.issuer, audience: idp.humanClientId, kind: "human", groups_claim: "groups" },
      { name: "ci", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups" },
    ],
  });
  await loadNormalizers();
  const dir = policyDir({ "policy.rego": POLICY });
  try {
    evaluator = await PolicyEvaluator.load(await buildBundle(dir.dir, { revision: "identity-test" }));
  } finally {
    dir.remove();
  }
});
test.after(async () => {
  await idp.close();
});

async function identityOf(token: string): Promise<Identity> {
  const verified = await service.verify(token);
  if (!verified.ok) throw new Error(`${verified.code}: ${verified.detail}`);
  return verified.identity;
}

async function machine(clientId: string, secret: string): Promise<string> {
  const config = await oidc.discovery(new URL(idp.issuer), clientId, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config)).access_token;
}

const WRITE = "DELETE FROM orders WHERE id = 42";

test("the deploy workflow on main may write; its identity reaches input.identity unchanged", async () => {
  const identity = await identityOf(await machine(idp.machineClient.id, idp.machineClient.secret));
  const verdict = decide(evaluator, sqlRequest(WRITE, { identity }));
  assert.is(verdict.effect, "allow", verdict.decision.reasons.join("; "));
  assert.equal(verdict.input.identity, identity);
});

test("the same workflow from another branch may read but not write", async () => {
  const identity = await identityOf(await machine("ci-feature", "ci-feature-secret"));
  assert.is(identity.claims.ref, "refs/heads/feature-x");
  assert.is(decide(evaluator, sqlRequest("SELECT * FROM orders", { identity })).effect, "allow");
  const verdict = decide(evaluator, sqlRequest(WRITE, { identity }));
  assert.is(verdict.effect, "deny");
  assert.equal(verdict.decision.reasons, ["only the deploy workflow on main may write"]);
});

test("a person may not write under this policy, whatever their groups", async () => {
  const tokens = await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "dana");
  const identity = await identityOf(tokens.id_token!);
  assert.is(identity.kind, "human");
  assert.is(decide(evaluator, sqlRequest(WRITE, { identity })).effect, "deny");
});

test("a gateway token exchanged from the deploy workflow's token carries the claims the policy needs", async () => {
  const exchanged = await service.exchange(await machine(idp.machineClient.id, idp.machineClient.secret), { targets: ["prod-db"] });
  if (!exchanged.ok) return assert.unreachable(exchanged.detail);
  const identity = await identityOf(exchanged.issued.token);
  assert.is(decide(evaluator, sqlRequest(WRITE, { identity })).effect, "allow");
});

test.run();
