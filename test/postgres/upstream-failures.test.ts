import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { PostgresTarget } from "../../proxy/postgres/upstream/target.js";
import { freePort } from "../support/free-port.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { psql } from "../support/run.js";

/**
 * An upstream that is down, silent, drops the connection or dies mid-session gives the client a clear
 * PostgreSQL error naming the target, within the configured timeout, and the gateway keeps serving.
 */

const CONNECT_TIMEOUT_MS = 1500;

/** A local TCP server with a scripted behaviour for every connection it accepts. */
interface FakeUpstream {
  port: number;
  /** Connections accepted so far, and how many the gateway has since closed. */
  accepted: number;
  closed: number;
  close(): Promise<void>;
}

function fakeUpstream(onConnection: (socket: Socket) => void): Promise<FakeUpstream> {
  const sockets = new Set<Socket>();
  const state = { accepted: 0, closed: 0 };
  const server: Server = createServer((socket) => {
    state.accepted += 1;
    sockets.add(socket);
    socket.on("error", () => undefined);
    // Reading (and ignoring) what arrives is what lets the server notice the peer hang up.
    socket.on("data", () => undefined);
    socket.once("close", () => {
      state.closed += 1;
      sockets.delete(socket);
    });
    onConnection(socket);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        get accepted() {
          return state.accepted;
        },
        get closed() {
          return state.closed;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

function target(name: string, port: number, tls: PostgresTarget["tls"] = "disable"): PostgresTarget {
  return { type: "postgres", name, tags: { env: "dev" }, host: "127.0.0.1", port, database: "postgres", user: "gateway", password: "unused", tls, connectTimeoutMs: CONNECT_TIMEOUT_MS };
}

let g: GatewayUnderTest;
let silent: FakeUpstream;
let dropping: FakeUpstream;
let garbage: FakeUpstream;

test.before(async () => {
  silent = await fakeUpstream(() => undefined);
  dropping = await fakeUpstream((socket) => socket.destroy());
  garbage = await fakeUpstream((socket) => socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
  const closedPort = await freePort();
  g = await startGatewayUnderTest({
    extraTargets: [
      target("down", closedPort),
      target("silent", silent.port),
      target("silent-tls", silent.port, "prefer"),
      target("dropping", dropping.port),
      target("garbage", garbage.port),
    ],
  });
});
test.after(async () => {
  await g?.stop();
  await Promise.all([silent, dropping, garbage].map((s) => s?.close()));
});

/** psql against target `name`: what it printed and how long until it gave up. */
async function connectTo(name: string): Promise<{ code: number; stderr: string; ms: number }> {
  const started = Date.now();
  const r = await psql({ ...(await g.env()), PGDATABASE: name }, "SELECT 1");
  return { code: r.code, stderr: r.stderr, ms: Date.now() - started };
}

test("a target that is down: a FATAL naming it, at once", async () => {
  const r = await connectTo("down");
  assert.is(r.code, 2);
  assert.match(r.stderr, /FATAL:\s+Portcullis: target down is unreachable \(ECONNREFUSED\)/);
  assert.ok(r.ms < 3000, `took ${r.ms} ms`);
});

test("a target that accepts and never answers fails within its connect timeout", async () => {
  for (const name of ["silent", "silent-tls"]) {
    const before = silent.accepted;
    const r = await connectTo(name);
    assert.is(r.code, 2, name);
    assert.match(r.stderr, new RegExp(`FATAL:\\s+Portcullis: target ${name} did not`));
    assert.ok(r.ms >= CONNECT_TIMEOUT_MS - 100 && r.ms < CONNECT_TIMEOUT_MS + 3000, `${name} took ${r.ms} ms`);
    assert.is(silent.accepted, before + 1);
  }
  // The gateway hung up on the silent server rather than leaving the connections open.
  await waitFor(() => silent.closed === silent.accepted, 3000);
});

test("a target that drops the connection or answers garbage during login gets a clear error, quickly", async () => {
  const dropped = await connectTo("dropping");
  assert.is(dropped.code, 2);
  assert.match(dropped.stderr, /FATAL:\s+Portcullis: .*target dropping/);
  assert.ok(dropped.ms < 3000, `took ${dropped.ms} ms`);
  const answered = await connectTo("garbage");
  assert.is(answered.code, 2);
  assert.match(answered.stderr, /FATAL:\s+Portcullis: .*target garbage/);
  assert.ok(answered.ms < CONNECT_TIMEOUT_MS + 3000, `took ${answered.ms} ms`);
});

test("an upstream backend killed mid-session: the client gets an error, the gateway serves new sessions", async () => {
  const c = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "alice", database: "demo", password: await g.token() });
  const lost = new Promise<Error & { code?: string }>((resolve) => c.on("error", resolve));
  await c.connect();
  const pid = (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
  const killed = await g.pg.query<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [pid]);
  assert.ok(killed.rows[0]!.ok);
  const error = await Promise.race([lost, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
  assert.ok(error, "the client was not told within 5 s");
  assert.ok(error.code === "57P01" || error.code === "08006", `${error.code}: ${error.message}`);
  await c.query("SELECT 1").then(
    () => assert.unreachable("a query on the dead session must fail"),
    () => undefined,
  );
  await waitFor(() => g.events.some((e) => e.type === "session_end" && e.reason === "the target ended the session"), 3000);
  const fresh = await psql(await g.env(), "SELECT count(*) FROM orders");
  assert.is(fresh.stderr, "");
  assert.is(fresh.stdout.trim(), "20");
});

test("afterwards no client connection is left open", async () => {
  await waitFor(() => g.gateway.connections === 0, 3000);
  assert.equal(g.logs.filter((l) => /crashed|internal error/.test(l)), []);
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.unreachable(`condition not met within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test.run();
