import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { approveDeviceCode, denyDeviceCode } from "../support/device-login.js";

let idp: RunningIdentityProvider;

test.before(async () => {
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1 });
});
test.after(async () => {
  await idp.close();
});

/** openid-client pointed at the provider; plain http is allowed because it is loopback. */
function client(clientId: string, secret?: string): Promise<oidc.Configuration> {
  const auth = secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret);
  return oidc.discovery(new URL(idp.issuer), clientId, secret, auth, { execute: [oidc.allowInsecureRequests] });
}

function keys(): ReturnType<typeof createRemoteJWKSet> {
  return createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
}

/** Starts a device flow for the human client and returns the poll (running) and what the person sees. */
async function deviceFlow(): Promise<{ poll: Promise<oidc.TokenEndpointResponse>; userCode: string; verificationUri: string; complete: string }> {
  const config = await client(idp.humanClientId);
  const started = await oidc.initiateDeviceAuthorization(config, { scope: idp.humanScopes.join(" ") });
  assert.is(started.interval, 1);
  const poll = oidc.pollDeviceAuthorizationGrant(config, started);
  poll.catch(() => undefined); // awaited by the test; this only stops an unhandled-rejection report first
  return { poll, userCode: started.user_code, verificationUri: started.verification_uri, complete: started.verification_uri_complete ?? "" };
}

test("discovery describes a loopback issuer with the device flow, client credentials and our key", async () => {
  assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  const meta = (await client(idp.humanClientId)).serverMetadata();
  assert.is(meta.issuer, idp.issuer);
  assert.is(meta.device_authorization_endpoint, `${idp.issuer}/device/auth`);
  for (const grant of ["urn:ietf:params:oauth:grant-type:device_code", "client_credentials", "refresh_token"]) assert.ok(meta.grant_types_supported?.includes(grant), grant);
  for (const scope of ["openid", "email", "groups", "offline_access"]) assert.ok(meta.scopes_supported?.includes(scope), scope);
  assert.ok(meta.introspection_endpoint);
  const published = (await (await fetch(meta.jwks_uri!)).json()) as { keys: Array<{ kid: string; d?: string }> };
  assert.equal(published.keys.map((k) => k.kid), [idp.signingKey.kid]);
  assert.is(published.keys[0]!.d, undefined, "only the public half is published");
});

test("the machine client gets a JWT access token for the gateway with groups and CI claims", async () => {
  const config = await client(idp.machineClient.id, idp.machineClient.secret);
  const response = await oidc.clientCredentialsGrant(config);
  assert.is(response.token_type.toLowerCase(), "bearer");
  assert.is(decodeProtectedHeader(response.access_token).kid, idp.signingKey.kid);
  const { payload } = await jwtVerify(response.access_token, keys(), { issuer: idp.issuer, audience: idp.audience });
  assert.is(payload.sub, idp.machineClient.id);
  assert.equal(payload.groups, ["ci", "deployers"]);
  assert.is(payload.repository, "acme/shop");
  assert.is(payload.ref, "refs/heads/main");
  assert.is(payload.workflow, "deploy");
});

test("a wrong client secret is refused", async () => {
  const config = await client(idp.machineClient.id, "not-the-secret");
  try {
    await oidc.clientCredentialsGrant(config);
    assert.unreachable("should have failed");
  } catch (error) {
    // Basic auth failures come back as a WWW-Authenticate challenge carrying the OAuth error.
    assert.instance(error, oidc.WWWAuthenticateChallengeError);
    assert.is((error as oidc.WWWAuthenticateChallengeError).cause[0]?.parameters.error, "invalid_client");
  }
});

test("a device flow approved through the real pages yields an id token with email and groups, and a refresh token", async () => {
  const flow = await deviceFlow();
  await approveDeviceCode(flow.complete, "alice");
  const tokens = await flow.poll;
  const { payload } = await jwtVerify(tokens.id_token!, keys(), { issuer: idp.issuer, audience: idp.humanClientId });
  assert.is(payload.sub, "alice");
  assert.is(payload.email, "alice@example.com");
  assert.equal(payload.groups, ["engineering"]);
  assert.ok(tokens.refresh_token, "offline_access gives a refresh token");

  const refreshed = await oidc.refreshTokenGrant(await client(idp.humanClientId), tokens.refresh_token!);
  const again = await jwtVerify(refreshed.id_token!, keys(), { issuer: idp.issuer, audience: idp.humanClientId });
  assert.equal(again.payload.groups, ["engineering"]);
  assert.ok(refreshed.refresh_token, "public clients get a rotated refresh token");
});

test("the person can also type the user code on the verification page", async () => {
  const flow = await deviceFlow();
  await approveDeviceCode({ verificationUri: flow.verificationUri, userCode: flow.userCode.toLowerCase() }, "dana");
  const { payload } = await jwtVerify((await flow.poll).id_token!, keys(), { issuer: idp.issuer, audience: idp.humanClientId });
  assert.is(payload.sub, "dana");
  assert.equal(payload.groups, ["dba", "pii-readers"]);
});

test("a device flow the person aborts ends in access_denied, and its code cannot be reused", async () => {
  const flow = await deviceFlow();
  await denyDeviceCode(flow.complete);
  try {
    await flow.poll;
    assert.unreachable("should have failed");
  } catch (error) {
    assert.is((error as oidc.ResponseBodyError).error, "access_denied");
  }
  try {
    await approveDeviceCode(flow.complete, "alice");
    assert.unreachable("a used code must not be approved");
  } catch (error) {
    assert.match((error as Error).message, /already used/);
  }
});

test("tests can forge a token with the provider's real key, and it verifies against the published keys", async () => {
  const forged = await new SignJWT({ groups: ["admin"] })
    .setProtectedHeader({ alg: "RS256", kid: idp.signingKey.kid })
    .setIssuer(idp.issuer)
    .setAudience(idp.audience)
    .setSubject("mallory")
    .setExpirationTime("5m")
    .sign(idp.signingKey.privateKey);
  const { payload } = await jwtVerify(forged, keys(), { issuer: idp.issuer, audience: idp.audience });
  assert.is(payload.sub, "mallory");
});

test("the gateway client may introspect the person's opaque access token", async () => {
  const flow = await deviceFlow();
  await approveDeviceCode(flow.complete, "alice");
  const { access_token } = await flow.poll;
  const gateway = await client(idp.gatewayClient.id, idp.gatewayClient.secret);
  const info = await oidc.tokenIntrospection(gateway, access_token);
  assert.is(info.active, true);
  assert.is(info.sub, "alice");
  const outsider = await client(idp.machineClient.id, idp.machineClient.secret);
  assert.equal(await oidc.tokenIntrospection(outsider, access_token), { active: false }, "only the gateway may introspect");
});

test("rotating the signing key signs with the new key and keeps publishing the old one", async () => {
  const before = idp.signingKey.kid;
  const after = (await idp.rotateSigningKey()).kid;
  assert.is.not(after, before);
  const response = await oidc.clientCredentialsGrant(await client(idp.machineClient.id, idp.machineClient.secret));
  assert.is(decodeProtectedHeader(response.access_token).kid, after);
  const published = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
  assert.equal(published.keys.map((k) => k.kid).sort(), [before, after].sort());
});

test.run();
