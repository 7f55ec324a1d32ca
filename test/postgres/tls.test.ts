import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { generate } from "selfsigned";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { GSSENC_REQUEST_CODE, passwordMessage, requestCode, SSL_REQUEST_CODE, startupMessage, WireClient } from "../support/pg-wire.js";
import { psql } from "../support/run.js";

/**
 * The encryption requests of the startup phase. Without a certificate the gateway answers SSLRequest
 * with "N" (sslmode=prefer goes on in clear, sslmode=require gives up cleanly); GSSENCRequest is always
 * refused with "N". With a certificate, SSLRequest gets TLS, and a gateway that requires TLS refuses
 * a client in clear with a PostgreSQL error.
 */

let plain: GatewayUnderTest;
let secure: GatewayUnderTest;
let dir: string;
let certFile: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-tls-"));
  const pems = await generate([{ name: "commonName", value: "portcullis-test" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  certFile = join(dir, "cert.pem");
  writeFileSync(certFile, pems.cert);
  [plain, secure] = await Promise.all([
    startGatewayUnderTest(),
    startGatewayUnderTest({ tls: { context: createSecureContext({ cert: pems.cert, key: pems.private }), required: true } }),
  ]);
});
test.after(async () => {
  await Promise.all([plain?.stop(), secure?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function env(g: GatewayUnderTest, extra: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  return { ...(await g.env()), ...extra };
}

async function waitForNoConnections(g: GatewayUnderTest): Promise<void> {
  const deadline = Date.now() + 3000;
  while (g.gateway.connections > 0) {
    if (Date.now() > deadline) assert.unreachable(`${g.gateway.connections} connections still open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("without a certificate, sslmode=prefer connects in clear", async () => {
  const r = await psql(await env(plain, { PGSSLMODE: "prefer" }), "SELECT count(*) FROM orders");
  assert.is(r.stderr, "");
  assert.is(r.stdout.trim(), "20");
});

test("without a certificate, sslmode=require fails cleanly, before any login", async () => {
  const sessions = plain.events.filter((e) => e.type === "session_start").length;
  const r = await psql(await env(plain, { PGSSLMODE: "require" }), "SELECT 1");
  assert.is(r.code, 2);
  assert.match(r.stderr, /server does not support SSL, but SSL was required/);
  assert.is(plain.events.filter((e) => e.type === "session_start").length, sessions);
  await waitForNoConnections(plain);
});

test("gssencmode=prefer connects, and a GSSENCRequest is answered N on the wire, then startup goes on", async () => {
  const r = await psql(await env(plain, { PGGSSENCMODE: "prefer" }), "SELECT 1");
  assert.is(r.stderr, "");
  assert.is(r.stdout.trim(), "1");
  for (const g of [plain, secure]) {
    const c = await WireClient.open(g.gateway.port);
    c.send(requestCode(GSSENC_REQUEST_CODE));
    await c.until(() => c.bytes.length >= 1);
    assert.is(c.bytes.toString("latin1", 0, 1), "N");
    if (g === plain) {
      c.send(requestCode(SSL_REQUEST_CODE));
      await c.until(() => c.bytes.length >= 2);
      assert.is(c.bytes.toString("latin1", 1, 2), "N");
      c.send(startupMessage({ user: "alice", database: "demo" }));
      await c.until(() => c.messages(2).some((m) => m.type === "R"));
      c.send(passwordMessage(await g.token()));
      await c.until(() => c.messages(2).some((m) => m.type === "Z"));
    } else {
      // TLS is required: after the refused GSSENCRequest, a clear startup gets 28000.
      c.send(startupMessage({ user: "alice", database: "demo" }));
      await c.waitClosed(3000);
      assert.is(c.errors(1)[0]?.code, "28000");
    }
    c.destroy();
  }
});

test("with a certificate, sslmode=verify-full connects over TLS", async () => {
  const r = await psql(await env(secure, { PGSSLMODE: "verify-full", PGSSLROOTCERT: certFile }), "SELECT count(*) FROM orders", ["-c", "\\conninfo"]);
  assert.is(r.stderr, "");
  assert.match(r.stdout, /^20$/m);
  assert.match(r.stdout, /SSL connection \(protocol: TLSv1\.[23]/);
});

test("a gateway that requires TLS refuses a client in clear with 28000", async () => {
  const r = await psql(await env(secure, { PGSSLMODE: "disable" }), "SELECT 1", ["-v", "VERBOSITY=verbose"]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /Portcullis requires TLS/);
  await waitForNoConnections(secure);
});

test.run();
