import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { ALICE, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { defaultPolicyWithSettings, policyDir } from "../support/policy-dir.js";
import { passwordMessage, queryMessage, startupMessage, WireClient, wireLogin } from "../support/pg-wire.js";

/**
 * Session limits set by the policy (portcullis/session_limits, by identity kind in the default policy's
 * settings.sessions) lower the gateway's configured ones for that caller: a service past its policy
 * limit is refused with 53300 naming it while people keep the configured limit; the policy's idle
 * timeout closes an idle session with 57P05, and one idle inside a transaction with 25P03 as the
 * server's idle_in_transaction_session_timeout would; a policy whose rule fails refuses the login.
 */

const CI: Identity = { subject: "ci-deploy", issuer: "https://idp.test", groups: ["deployers"], kind: "service", claims: {} };

async function attempt(g: GatewayUnderTest, who: Identity): Promise<WireClient> {
  const client = await WireClient.open(g.gateway.port);
  client.send(startupMessage({ user: "token", database: "demo" }));
  await client.next("R");
  client.send(passwordMessage(await g.token(who)));
  await client.until(() => client.messages().some((m) => m.type === "Z" || m.type === "E"), 5000, "Z or E");
  return client;
}

test("the default policy holds a service to 10 sessions on a target; a person keeps the configured limit", async () => {
  const g = await startGatewayUnderTest({ sessionLimits: { perIdentityPerTarget: 50, perTarget: 100, idleTimeoutMs: 0 } });
  try {
    const token = await g.token(CI);
    const held = await Promise.all(Array.from({ length: 10 }, () => wireLogin(g.gateway.port, { user: "token", database: "demo", password: token })));
    const refused = await attempt(g, CI);
    const error = refused.errors()[0];
    assert.is(error?.code, "53300", JSON.stringify(refused.errors()));
    assert.match(error!.message, /limit is 10 sessions per identity/);
    refused.destroy();
    const people = await Promise.all(Array.from({ length: 12 }, () => attempt(g, ALICE)));
    for (const p of people) assert.equal(p.errors(), [], "a person is held to the configured 50, not the services' 10");
    for (const c of [...held, ...people]) c.destroy();
  } finally {
    await g.stop();
  }
});

test("the policy's idle timeout closes an idle session with 57P05, and one idle in a transaction with 25P03", async () => {
  const dir = defaultPolicyWithSettings({ sessions: { idle_timeout_seconds: { human: 1 } } });
  const g = await startGatewayUnderTest({ policyDir: dir.dir, sessionLimits: { perIdentityPerTarget: 50, perTarget: 100, idleTimeoutMs: 60_000 } });
  try {
    const idle = await attempt(g, ALICE);
    const inTransaction = await attempt(g, ALICE);
    const begun = await inTransaction.exchange(1, queryMessage("BEGIN"));
    assert.ok(begun.some((m) => m.type === "Z"));
    await Promise.all([idle.waitClosed(5000), inTransaction.waitClosed(5000)]);
    assert.is(idle.errors().at(-1)?.code, "57P05");
    assert.is(inTransaction.errors().at(-1)?.code, "25P03");
    assert.match(inTransaction.errors().at(-1)!.message, /idle-in-transaction timeout/);
  } finally {
    await g.stop();
    dir.remove();
  }
});

test("a policy whose session_limits fails refuses the login with the reason, and audits it", async () => {
  const broken = `package portcullis

decision := {"allow": true, "reasons": []}

session_limits := {"max_sessions": "many"}
`;
  const dir = policyDir({ "policy.rego": broken });
  const g = await startGatewayUnderTest({ policyDir: dir.dir });
  try {
    const refused = await attempt(g, ALICE);
    const error = refused.errors()[0];
    assert.is(error?.code, "57P03", JSON.stringify(refused.errors()));
    assert.match(error!.message, /session limits could not be read/);
    assert.ok(g.events.some((e) => e.type === "auth_failure" && e.code === "session_limits" && /invalid answer/.test(e.detail)));
    refused.destroy();
  } finally {
    await g.stop();
    dir.remove();
  }
});

test.run();
