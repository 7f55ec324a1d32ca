import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { IdentityService } from "../../engine/identity/index.js";
import { demoIssuers } from "../../proxy/demo/demo-issuers.js";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { deviceLogin } from "../support/device-login.js";

/** The demo's trust in its provider: the ci-deploy workload is a service, people are people. */

let idp: RunningIdentityProvider;
let identity: IdentityService;

test.before(async () => {
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1 });
  identity = await IdentityService.create({ issuers: demoIssuers(idp) });
});
test.after(async () => {
  await idp?.close();
});

test("the ci-deploy client's token is a service identity; a person's sign-in is a human one", async () => {
  const { id, secret } = idp.machineClient;
  assert.is(id, "ci-deploy");
  const config = await oidc.discovery(new URL(idp.issuer), id, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  const machine = await identity.verify((await oidc.clientCredentialsGrant(config)).access_token);
  assert.ok(machine.ok, JSON.stringify(machine));
  assert.is(machine.identity.kind, "service");
  assert.is(machine.identity.subject, "ci-deploy");
  const person = await identity.verify((await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice")).id_token!);
  assert.ok(person.ok, JSON.stringify(person));
  assert.is(person.identity.kind, "human");
});

test.run();
