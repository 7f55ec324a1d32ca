import { networkInterfaces } from "node:os";
import { createSecureContext } from "node:tls";
import { generate } from "selfsigned";
import { test } from "uvu";
import * as assert from "uvu/assert";
import pg from "pg";
import { ALICE, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { passwordMessage, startupMessage, WireClient } from "../support/pg-wire.js";
import { psql } from "../support/run.js";

/**
 * Who may log in, and how. The startup user name must agree with the token (its subject, the subject's
 * e-mail local part, or "token"); names with control or
 * formatting characters are refused before the token is asked for and never recorded raw; and a
 * token crosses the network in clear text only on loopback, unless the configuration allows it.
 */

let g: GatewayUnderTest;
let open: GatewayUnderTest;
/** An address of this machine that is not loopback: connections to it come from a non-loopback peer. */
let outside: string;

test.before(async () => {
  outside = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address ?? "";
  const pems = await generate([{ name: "commonName", value: "portcullis-test" }], { keySize: 2048, algorithm: "sha256" });
  [g, open] = await Promise.all([
    startGatewayUnderTest({ host: "0.0.0.0", tls: { context: createSecureContext({ cert: pems.cert, key: pems.private }), required: false } }),
    startGatewayUnderTest({ host: "0.0.0.0", allowCleartextTokens: true }),
  ]);
});
test.after(async () => {
  await Promise.all([g?.stop(), open?.stop()]);
});

async function login(user: string, host = "127.0.0.1", gateway = g, ssl: boolean | object = false): Promise<string> {
  const client = new pg.Client({ host, port: gateway.gateway.port, user, database: "demo", password: await gateway.token(), ssl: ssl as pg.ClientConfig["ssl"] });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ who: string }>("SELECT 'in' AS who");
    await client.end();
    return r.rows[0]!.who;
  } catch (error) {
    const e = error as { code?: string; message?: string; hint?: string };
    return `${e.code}: ${e.message}${e.hint ? ` (${e.hint})` : ""}`;
  }
}

test("the user name must agree with the token", async () => {
  for (const user of [ALICE.subject, "alice", "token"]) assert.is(await login(user), "in", user);
  const refused = await login("dana");
  assert.match(refused, /^28000: Portcullis: user name "dana" does not match the token, which is for "alice@example.com"/);
  assert.match(refused, /connect as user "alice@example.com" or "alice" or "token"/);
  for (const user of ["Alice", "alice@example.co", "postgres", "gateway"]) assert.match(await login(user), /^28000/, user);
  const failure = g.events.find((e) => e.type === "auth_failure" && e.user === "dana");
  assert.is(failure?.type === "auth_failure" ? failure.code : undefined, "user_mismatch");
  // A name the person may pick at the provider does not count.
  const chosen = await g.token({ ...ALICE, claims: { preferred_username: "dana", email: "dana@example.com" } });
  const byClaim = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "dana", database: "demo", password: chosen });
  byClaim.on("error", () => undefined);
  assert.is(await byClaim.connect().then(() => byClaim.end().then(() => "in"), (e: { code?: string }) => e.code), "28000");
  const r = await psql({ ...(await g.env()), PGUSER: "dana" }, "SELECT 1");
  assert.is(r.code, 2);
  assert.match(r.stderr, /FATAL: {2}Portcullis: user name "dana" does not match the token/);
});

test("names with control or formatting characters are refused before the token is asked for, and never recorded raw", async () => {
  const forged = "x\n2026-12-05T08:00:00Z allow dana -> demo GRANT pii-readers TO alice\u001b[2K";
  for (const parameters of [{ user: forged, database: "demo" }, { user: "alice", database: "demo\u001b]0;owned\u0007" }, { user: "alice\u202e", database: "demo" }, { user: "al\u0085ice", database: "demo" }]) {
    const client = await WireClient.open(g.gateway.port);
    client.send(startupMessage(parameters));
    await client.waitClosed(5000);
    const messages = client.messages();
    assert.not.ok(messages.some((m) => m.type === "R"), "the token was asked for");
    const error = client.errors()[0];
    assert.is(error?.severity, "FATAL");
    assert.ok(error?.code === "28000" || error?.code === "3D000", JSON.stringify(error));
    assert.match(error!.message, /control or formatting characters/);
  }
  const failures = g.events.filter((e) => e.type === "auth_failure" && e.code === "invalid_name");
  assert.is(failures.length, 4);
  for (const f of failures) {
    if (f.type !== "auth_failure") continue;
    assert.not.match(f.user + f.target + f.detail, /[\u0000-\u001f\u007f-\u009f\u202e]/);
  }
  assert.ok(failures.some((f) => f.type === "auth_failure" && f.user.startsWith("x\\u000a2026")));
});

test("a token crosses the network in clear only on loopback: another host must use TLS", async () => {
  assert.ok(outside, "this machine needs a non-loopback IPv4 address for this test");
  // In clear from another address: refused before the token is asked for.
  const raw = await WireClient.open(g.gateway.port, outside);
  raw.send(startupMessage({ user: "alice", database: "demo" }));
  await raw.waitClosed(5000);
  assert.not.ok(raw.messages().some((m) => m.type === "R"), "the token was asked for in clear text");
  const error = raw.errors()[0];
  assert.is(error?.code, "28000");
  assert.match(error!.message, /sslmode=require/);
  const cleartext = await psql({ ...(await g.env()), PGHOST: outside, PGSSLMODE: "disable" }, "SELECT 1");
  assert.is(cleartext.code, 2);
  assert.match(cleartext.stderr, /connect with sslmode=require/);
  // With TLS from there, and in clear on loopback, it works.
  assert.is(await login("alice", outside, g, { rejectUnauthorized: false }), "in");
  const tls = await psql({ ...(await g.env()), PGHOST: outside, PGSSLMODE: "require" }, "SELECT 'over tls'");
  assert.match(tls.stdout, /over tls/);
  assert.is(await login("alice"), "in");
  const failure = g.events.find((e) => e.type === "auth_failure" && e.code === "cleartext_refused");
  assert.ok(failure, "the refusal is audited");
});

test("the configuration can allow tokens in clear from other hosts", async () => {
  assert.ok(outside);
  assert.is(await login("alice", outside, open), "in");
  const client = await WireClient.open(open.gateway.port, outside);
  client.send(startupMessage({ user: "alice", database: "demo" }));
  await client.next("R");
  client.send(passwordMessage(await open.token()));
  await client.next("Z");
  client.destroy();
});

test.run();
