import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { deviceLogin } from "../support/device-login.js";
import { recheckingPeople } from "../support/rechecking-issuer.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

/**
 * An SSH session (real OpenSSH client and sshd) opened with alice's opaque access token from the real
 * demo OpenID provider ends when the provider removes her account: the gateway's re-check
 * (session_recheck) hears `active: false` and the session ends within 5 s with the reason on stderr.
 */
let idp: RunningIdentityProvider;
let g: SshGatewayUnderTest;

test.before(async () => {
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1 });
  g = await startSshGateway({
    identity: { issuers: [recheckingPeople(idp, { every_seconds: 1 })] },
  });
});
test.after(async () => {
  await g?.stop();
  await idp?.close();
});

test("removing alice at the issuer ends her open SSH session within 5 s, naming the issuer's verdict; her token logs in no more", async () => {
  const signIn = await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice");
  const password = signIn.access_token;
  const session = await g.startSsh(["echo started; sleep 30"], { password });
  for (let i = 0; i < 200 && (g.gateway.liveSessions.size < 1 || !session.stdout().includes("started")); i++) await new Promise((r) => setTimeout(r, 50));
  assert.is(g.gateway.liveSessions.size, 1);
  assert.ok(idp.removeUser("alice"));
  const removedAt = Date.now();
  const r = await session.done;
  const took = Date.now() - removedAt;
  assert.ok(took < 5000, `${took} ms`);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, `Portcullis: session ended: the issuer ${idp.issuer} no longer recognises alice's token`);
  const again = await g.ssh(["echo again"], { password });
  assert.is.not(again.code, 0);
  assert.not.match(again.stdout, /again/);
  // At the provider too she is gone: her refresh token gets her no new tokens.
  const client = await oidc.discovery(new URL(idp.issuer), idp.humanClientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const refreshed = await oidc.refreshTokenGrant(client, signIn.refresh_token!).then(() => "refreshed", (error: unknown) => (error instanceof oidc.ResponseBodyError ? error.error : String(error)));
  assert.is(refreshed, "invalid_grant");
});

test.run();
