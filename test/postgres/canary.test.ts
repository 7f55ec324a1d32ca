import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { PostgresTarget } from "../../proxy/postgres/upstream/target.js";
import { freePort } from "../support/free-port.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { frontendMessage } from "../support/pg-wire.js";
import { run, type RunResult } from "../support/run.js";
import { startTee, type TcpTee } from "../support/tcp-tee.js";

/**
 * A target credential never reaches a client, a log line or a recorded event. The target's password
 * is a unique canary; sessions run allowed, denied, masked and failing statements, try to read the
 * password, fail to log in, and meet targets that refuse the gateway's login, are down, or quote the
 * password back in their error. Every byte any client received (through a TCP tee in front of the
 * gateway), every log line and every event is then searched for the canary, as text, hex and base64.
 */

const CANARY = `canary-${randomBytes(16).toString("hex")}`;
const WRONG_CANARY = `canary-wrong-${randomBytes(16).toString("hex")}`;

let g: GatewayUnderTest;
let tee: TcpTee;
let echo: Server;
const outputs: RunResult[] = [];

/** A server that asks for a cleartext password and quotes it back in its error, as a careless pooler might. */
function startEchoServer(): Promise<Server> {
  const server = createServer((socket: Socket) => {
    socket.on("error", () => undefined);
    let stage = 0;
    socket.on("data", (chunk: Buffer) => {
      if (stage++ === 0) {
        const ask = Buffer.alloc(4);
        ask.writeInt32BE(3);
        socket.write(frontendMessage("R", ask));
        return;
      }
      const password = chunk.subarray(5, chunk.indexOf(0, 5)).toString();
      const fields = `SFATAL\0VFATAL\0C28P01\0Mpassword "${password}" is not valid here\0Dthe password was ${password}\0\0`;
      socket.end(frontendMessage("E", Buffer.from(fields)));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function extraTarget(name: string, port: number, password: string): PostgresTarget {
  return { type: "postgres", name, tags: { env: "dev" }, host: "127.0.0.1", port, database: "postgres", user: "gateway", password, tls: "disable", connectTimeoutMs: 2000 };
}

test.before(async () => {
  echo = await startEchoServer();
  // The same server and role with the wrong password: its port is known once the server runs.
  const wrong = extraTarget("wrong", 0, WRONG_CANARY);
  g = await startGatewayUnderTest({
    targetPassword: CANARY,
    extraTargets: [wrong, extraTarget("down", await freePort(), CANARY), extraTarget("echo", (echo.address() as AddressInfo).port, CANARY)],
  });
  wrong.port = g.pg.port;
  tee = await startTee(g.gateway.port);
});
test.after(async () => {
  await tee?.close();
  await g?.stop();
  await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
});

async function psqlThroughTee(script: string, database = "demo", password?: string): Promise<RunResult> {
  const env = { ...(await g.env()), PGPORT: String(tee.port), PGDATABASE: database, ...(password ? { PGPASSWORD: password } : {}) };
  const result = await run("psql", ["-X", "-A", "-t", "-v", "VERBOSITY=verbose"], env, script);
  outputs.push(result);
  return result;
}

test("a session of allowed, denied, masked and failing statements, and attempts at the password", async () => {
  const r = await psqlThroughTee(
    [
      "SELECT count(*) FROM orders;",
      "DELETE FROM orders;",
      "SELECT email, ssn FROM users ORDER BY id;",
      "SELECT 1/0;",
      "SELEC 1;",
      "SELECT rolpassword FROM pg_authid WHERE rolname = 'gateway';",
      "SELECT passwd FROM pg_shadow;",
      "SELECT current_user, current_setting('application_name');",
      "SHOW password_encryption;",
      "SELECT 'visible marker';",
    ].join("\n"),
  );
  // The capture works: what the client saw is in it.
  assert.match(r.stdout, /^20$/m);
  assert.match(r.stdout, /\*\*\*\*/);
  assert.match(r.stdout, /visible marker/);
  assert.match(r.stderr, /42501: Portcullis denied this statement: DELETE without WHERE/);
  assert.match(r.stderr, /22012/);
  assert.match(r.stderr, /42501: permission denied for (table|view) pg_authid|pg_shadow/);
});

test("node-postgres through the tee: the extended protocol and a failed statement", async () => {
  const c = new pg.Client({ host: "127.0.0.1", port: tee.port, user: "alice", database: "demo", password: await g.token() });
  c.on("error", () => undefined);
  await c.connect();
  assert.equal((await c.query("SELECT id, ssn FROM users WHERE id = $1", [1])).rows, [{ id: 1, ssn: "*******6789" }]);
  await c.query("SELECT $1::int / 0", [1]).catch(() => undefined);
  await c.end();
});

test("failed logins: a bad token, an unknown target, and targets that refuse, are down, or echo the password", async () => {
  const badToken = await psqlThroughTee("SELECT 1;", "demo", "not-a-token");
  assert.match(badToken.stderr, /password authentication failed for user "alice"/);
  assert.match((await psqlThroughTee("SELECT 1;", "nope")).stderr, /no PostgreSQL target named "nope"/);
  const refused = await psqlThroughTee("SELECT 1;", "wrong");
  assert.match(refused.stderr, /FATAL:.*target wrong refused the gateway's login: password authentication failed for user "gateway"/);
  assert.match((await psqlThroughTee("SELECT 1;", "down")).stderr, /FATAL:.*target down is unreachable/);
  const echoed = await psqlThroughTee("SELECT 1;", "echo");
  assert.match(echoed.stderr, /FATAL:.*target echo refused the gateway's login/);
});

test("the canary is nowhere: not in any byte sent to a client, a log line, or a recorded event", async () => {
  const received = tee.allToClient();
  for (const seen of ["visible marker", "*******6789", "Portcullis denied this statement", "target echo refused"]) {
    assert.ok(received.includes(seen), `the capture lacks ${seen}`);
  }
  assert.is(tee.connections.length, outputs.length + 1, "every client connection went through the tee");
  assert.ok(g.logs.length > 0, "the failed logins were logged");
  const captured = [
    ["bytes sent to clients", received.toString("latin1")],
    ["client programs' output", outputs.map((o) => o.stdout + o.stderr).join("\n")],
    ["gateway logs", g.logs.join("\n")],
    ["recorded events", JSON.stringify(g.events)],
  ] as const;
  for (const secret of [CANARY, WRONG_CANARY]) {
    const forms = [secret, Buffer.from(secret).toString("hex"), Buffer.from(secret).toString("base64"), secret.toUpperCase()];
    for (const [where, text] of captured) {
      for (const form of forms) assert.not.ok(text.includes(form) || text.toUpperCase().includes(form.toUpperCase()), `the canary appears in the ${where}`);
    }
  }
});

test.run();
