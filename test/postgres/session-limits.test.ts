import { test } from "uvu";
import * as assert from "uvu/assert";
import { PII_READER, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { passwordMessage, queryMessage, startupMessage, WireClient, wireLogin } from "../support/pg-wire.js";

/**
 * One identity cannot take all of a target's connections: past its per-identity limit a login is
 * refused with SQLSTATE 53300 (naming the limit) and audited, while another identity still gets in;
 * closing a session gives its slot back. A session that sits idle is closed with 57P05.
 */

const PER_IDENTITY = 3;
const IDLE_MS = 1500;
let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest({ sessionLimits: { perIdentityPerTarget: PER_IDENTITY, perTarget: 5, idleTimeoutMs: IDLE_MS } });
});
test.after(async () => {
  await g?.stop();
});

async function attempt(password: string): Promise<WireClient> {
  const client = await WireClient.open(g.gateway.port);
  client.send(startupMessage({ user: "token", database: "demo" }));
  await client.next("R");
  client.send(passwordMessage(password));
  await client.until(() => client.messages().some((m) => m.type === "Z" || m.type === "E"), 5000, "Z or E");
  return client;
}

test("an identity past its session limit is refused with 53300 and audited; others still connect", async () => {
  const token = await g.token();
  const held = await Promise.all(Array.from({ length: PER_IDENTITY }, () => wireLogin(g.gateway.port, { user: "token", database: "demo", password: token })));
  const refused = await attempt(token);
  const errors = refused.errors();
  assert.is(errors[0]?.code, "53300", `expected 53300, got ${JSON.stringify(errors)}`);
  assert.is(errors[0]?.severity, "FATAL");
  assert.match(errors[0]!.message, new RegExp(`limit is ${PER_IDENTITY}`));
  const audited = g.events.find((e) => e.type === "auth_failure" && e.code === "session_limit");
  assert.ok(audited, "the refusal was not audited");
  refused.destroy();

  const other = await attempt(await g.token(PII_READER));
  assert.equal(other.errors(), [], "another identity was refused");
  const reply = await other.exchange(1, queryMessage("SELECT 1"));
  assert.ok(reply.some((m) => m.type === "D"));
  other.destroy();

  held[0]!.destroy();
  await held[0]!.waitClosed(2000);
  await new Promise((r) => setTimeout(r, 200));
  const again = await attempt(token);
  assert.equal(again.errors(), [], "a closed session's slot was not given back");
  for (const c of [again, ...held]) c.destroy();
  await new Promise((r) => setTimeout(r, 300));
});

test("an idle session is closed with 57P05 and audited; a running statement is not cut", async () => {
  const token = await g.token();
  const idle = await wireLogin(g.gateway.port, { user: "token", database: "demo", password: token });
  const busy = await wireLogin(g.gateway.port, { user: "token", database: "demo", password: token });
  const sleeping = busy.exchange(1, queryMessage("SELECT pg_sleep(2.5)"));
  await idle.waitClosed(IDLE_MS + 3000);
  const error = idle.errors()[0];
  assert.is(error?.code, "57P05", `expected 57P05, got ${JSON.stringify(idle.errors())}`);
  assert.ok(g.events.some((e) => e.type === "session_end" && e.reason === "idle_session_timeout"), "the timeout was not audited");
  const slept = await sleeping;
  assert.ok(slept.some((m) => m.type === "C"), "the running statement was cut by the idle timeout");
  busy.destroy();
});

test.run();
