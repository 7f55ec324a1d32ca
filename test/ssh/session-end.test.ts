import { test } from "uvu";
import * as assert from "uvu/assert";
import { ALICE } from "../support/pg-gateway.js";
import type { Running } from "../support/run.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

/** An SSH session (real OpenSSH client, real sshd behind the gateway) ends when its identity does. */
let g: SshGatewayUnderTest;

test.before(async () => {
  g = await startSshGateway();
});
test.after(async () => {
  await g.stop();
});

/** Until the session is watched and its command runs on the target (it printed `started`). */
async function running(r: Running): Promise<void> {
  for (let i = 0; i < 200 && (g.gateway.liveSessions.size < 1 || !r.stdout().includes("started")); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(g.gateway.liveSessions.size, 1);
  assert.match(r.stdout(), /started/);
}

test("revoking the subject ends an open SSH session within 5 s, with the reason on stderr", async () => {
  const session = await g.startSsh(["echo started; sleep 30"]);
  await running(session);
  await g.gateway.identity.revokeSubject(ALICE.subject);
  const revokedAt = Date.now();
  const r = await session.done;
  assert.ok(Date.now() - revokedAt < 5000, `${Date.now() - revokedAt} ms`);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /Portcullis: session ended: subject alice@example.com is revoked/);
});

test("a session opened with a short-lived token (6 s) ends when the token expires", async () => {
  // A second later than the revocation above, so this token is not revoked with it.
  await new Promise((r) => setTimeout(r, 1100));
  const password = (await g.gateway.identity.tokens.issue(ALICE, { ttlSeconds: 6 })).token;
  const session = await g.startSsh(["echo started; sleep 30"], { password });
  const r = await session.done;
  assert.match(r.stdout, /started/);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /Portcullis: session ended: the token of alice@example.com expired at /);
});

test.run();
