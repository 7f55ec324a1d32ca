import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { queryMessage, startupMessage, WireClient, wireLogin } from "../support/pg-wire.js";
import { psql } from "../support/run.js";

/**
 * A client that connects and stalls before its login is complete (nothing sent, half a startup
 * message, no password) is dropped after the startup timeout, as a server does after
 * authentication_timeout: unauthenticated clients cannot hold connections open. A logged-in session
 * that sits idle is not affected.
 */

// Long enough for a real login on a loaded two-CPU machine (token check, upstream login), short
// enough to keep the test quick: at 1 s, a login under load was itself dropped as stalled.
const STARTUP_TIMEOUT_MS = 2500;
let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest({ startupTimeoutMs: STARTUP_TIMEOUT_MS });
});
test.after(async () => {
  await g?.stop();
});

test("stalled clients are dropped after the startup timeout; an idle logged-in session stays", async () => {
  const idle = await wireLogin(g.gateway.port, { user: "alice", database: "demo", password: await g.token() });
  const silent = await WireClient.open(g.gateway.port);
  const half = await WireClient.open(g.gateway.port);
  half.send(startupMessage({ user: "alice", database: "demo" }).subarray(0, 12));
  const noPassword = await WireClient.open(g.gateway.port);
  noPassword.send(startupMessage({ user: "alice", database: "demo" }));
  await noPassword.next("R");
  const started = Date.now();
  await Promise.all([silent, half, noPassword].map((c) => c.waitClosed(STARTUP_TIMEOUT_MS + 3000)));
  assert.ok(Date.now() - started < STARTUP_TIMEOUT_MS + 3000);
  assert.not.ok(idle.hasClosed, "the logged-in session was dropped");
  const marker = await idle.exchange(1, queryMessage("SELECT 'still'"));
  assert.ok(marker.some((m) => m.type === "D" && m.body.includes("still")));
  idle.destroy();
  const deadline = Date.now() + 3000;
  while (g.gateway.connections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.is(g.gateway.connections, 0);
});

test("a client that logs in normally is not hurried", async () => {
  const r = await psql(await g.env(), "SELECT pg_sleep(1.5), 'slow query after a quick login'");
  assert.is(r.stderr, "");
  assert.match(r.stdout, /slow query after a quick login/);
});

test.run();
