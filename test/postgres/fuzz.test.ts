import { randomInt } from "node:crypto";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import {
  absurdLength,
  appendBody,
  flipBody,
  flipSql,
  mutateTyped,
  mutateUntyped,
  randomBody,
  randomBytesOf,
  Rng,
  splitFrontend,
  unknownType,
  type Mutant,
} from "../support/frame-mutator.js";
import { errorOf, frontendMessage, queryMessage, GSSENC_REQUEST_CODE, passwordMessage, requestCode, SSL_REQUEST_CODE, startupMessage, WireClient, wireLogin, type ServerError } from "../support/pg-wire.js";
import { psql } from "../support/run.js";
import { startTee } from "../support/tcp-tee.js";

/**
 * Malformed input closes one connection with a protocol error and never the gateway. Frames captured
 * from a real node-postgres session are mutated (bit flips, truncation, absurd lengths up to 1 GB,
 * unknown types, random bodies, garbage before startup) and sent over many connections; afterwards
 * the gateway has no connection open, no upstream backend left behind, and serves psql as before.
 */

const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const rng = new Rng(SEED);
const crashes: unknown[] = [];
process.on("uncaughtException", (error) => crashes.push(error));
process.on("unhandledRejection", (error) => crashes.push(error));

/** FATAL codes a connection may end with before it is authenticated. */
const STARTUP_CODES = new Set(["08P01", "0A000", "28000", "28P01", "3D000"]);

let g: GatewayUnderTest;
let token: string;
let corpus: { startup: Buffer; password: Buffer; session: Buffer[]; sql: Buffer[] };
let mutated = 0;
const endings = new Map<string, number>();

function tally(what: string): void {
  endings.set(what, (endings.get(what) ?? 0) + 1);
}

function fatal(errors: ServerError[]): ServerError | undefined {
  return errors.find((e) => e.severity === "FATAL");
}

function fail(why: string, m: Mutant | undefined, client: WireClient): never {
  const received = client.messages().map((msg) => (msg.type === "E" ? `E${JSON.stringify(errorOf(msg.body))}` : msg.type));
  throw new assert.Assertion({ message: `seed ${SEED}: ${why} after ${m?.how ?? "valid frames"}; received ${received.join(" ")}`, operator: "fuzz", expects: "a protocol error and a closed connection", actual: received });
}

/** Sends a frame whose framing is fatal and waits for the gateway to close on its own, with 08P01. */
async function expectProtocolClose(client: WireClient, m: Mutant, from: number, codes: ReadonlySet<string> = new Set(["08P01"])): Promise<void> {
  await client.waitClosed(5000).catch(() => fail("the gateway did not close the connection", m, client));
  const first = fatal(client.errors(from));
  if (!first || !codes.has(first.code)) fail(`expected a FATAL ${[...codes].join("/")}, got ${JSON.stringify(first)}`, m, client);
  tally(`closed with ${first!.code}`);
}

/** A first packet the server cannot even frame (a length out of range): it closes without a word, and so must the gateway. */
async function expectQuietClose(client: WireClient, m: Mutant, from: number): Promise<void> {
  await client.waitClosed(5000).catch(() => fail("the gateway did not close the connection", m, client));
  if (client.bytes.length > from) fail("the server answers nothing to a first packet it cannot frame", m, client);
  tally("closed quietly");
}

/** For frames whose framing may still be waiting for bytes: the client hangs up, and any error must be one a server sends. */
async function expectCleanEnd(client: WireClient, m: Mutant | undefined, from: number, codes: ReadonlySet<string>): Promise<void> {
  client.end();
  await client.waitClosed(5000).catch(() => fail("the connection was not closed after the client hung up", m, client));
  const first = fatal(client.errors(from));
  if (first && !codes.has(first.code)) fail(`unexpected FATAL ${JSON.stringify(first)}`, m, client);
  tally(first ? `closed with ${first.code}` : "closed quietly");
}

/** Runs `count` tasks with at most `width` at once. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

const GARBAGE_BEFORE_STARTUP = [
  Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
  Buffer.from("SSH-2.0-OpenSSH_9.2\r\n"),
  Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), // a TLS ClientHello
];

/** One connection that never gets past startup: a mutated startup message, sometimes after an encryption request. */
async function startupConnection(): Promise<void> {
  const client = await WireClient.open(g.gateway.port);
  let from = 0;
  if (rng.next() < 0.2) {
    client.send(requestCode(rng.next() < 0.5 ? SSL_REQUEST_CODE : GSSENC_REQUEST_CODE));
    await client.until(() => client.bytes.length >= 1, 5000, "the answer to the encryption request");
    if (client.bytes[0] !== 0x4e) fail("an encryption request was not refused with N", undefined, client);
    from = 1;
  }
  const roll = rng.next();
  let m: Mutant;
  if (roll < 0.05) m = { bytes: Buffer.concat([rng.pick(GARBAGE_BEFORE_STARTUP), corpus.startup]), framing: "fatal", how: "garbage before startup" };
  else if (roll < 0.1) m = { bytes: Buffer.concat([randomBytesOf(rng, rng.int(1, 15)), corpus.startup]), framing: "broken", how: "random bytes before startup" };
  else m = mutateUntyped(rng, corpus.startup);
  mutated += 1;
  client.send(m.bytes);
  if (m.framing === "fatal") return expectQuietClose(client, m, from);
  // A startup that still makes sense gets the password, and perhaps a session it immediately abandons.
  if (m.framing === "intact" && rng.next() < 0.5) client.send(corpus.password);
  return expectCleanEnd(client, m, from, STARTUP_CODES);
}

/** One connection with a valid startup and a mutated password message. */
async function passwordConnection(): Promise<void> {
  const client = await WireClient.open(g.gateway.port);
  client.send(corpus.startup);
  await client.next("R");
  const m = mutateTyped(rng, corpus.password);
  mutated += 1;
  client.send(m.bytes);
  if (m.framing === "fatal") return expectProtocolClose(client, m, 0);
  return expectCleanEnd(client, m, 0, STARTUP_CODES);
}

/**
 * A mutation of a session message that keeps its framing. Most change the SQL of a Query or Parse,
 * or replay a valid message out of order, so a session lives through many; a few break a message's
 * insides, which ends the session with a protocol error.
 */
function sessionMutant(): Mutant {
  const roll = rng.next();
  if (roll < 0.65) return flipSql(rng, rng.pick(corpus.sql));
  const frame = rng.pick(corpus.session);
  if (roll < 0.97) return { bytes: frame, framing: "intact", how: "valid frame out of order" };
  if (roll < 0.99) return flipBody(rng, frame, true);
  if (roll < 0.995) return appendBody(rng, frame, true);
  return randomBody(rng, String.fromCharCode(frame[0]!));
}

/**
 * One authenticated session fed rounds of well-framed but mutated messages (bit flips, extra bytes,
 * random bodies, messages out of order). Each round ends with a Sync and a marker query, so it is
 * processed before the next; a session still alive after its rounds gets a frame whose framing is
 * broken. However it ends, a session must end with a protocol error (the gateway's or the target's).
 */
async function sessionConnection(index: number, rounds: number, perRound: number): Promise<void> {
  const client = await wireLogin(g.gateway.port, { user: "alice", database: "demo", password: token });
  const from = client.bytes.length;
  const story: Mutant = { bytes: Buffer.alloc(0), framing: "intact", how: "" };
  for (let round = 0; round < rounds; round++) {
    const frames: Buffer[] = [];
    for (let i = 0; i < perRound; i++) {
      const m = sessionMutant();
      if (m.how !== "valid frame out of order") mutated += 1;
      frames.push(m.bytes);
      story.how += `${String.fromCharCode(m.bytes[0]!)}: ${m.how}; `;
    }
    const marker = `fuzz-marker-${index}-${round}`;
    // A mutated statement may have left a transaction open and failed: ROLLBACK so the marker can run.
    client.send(...frames, frontendMessage("S"), queryMessage("ROLLBACK"), queryMessage(`SELECT '${marker}'`));
    await client.until(() => client.hasClosed || client.bytes.includes(marker), 10_000, "the marker query").catch(() => fail("the round was not processed", story, client));
    if (client.hasClosed) {
      const first = fatal(client.errors(from));
      if (first?.code !== "08P01") fail(`a session ended without a protocol error: ${JSON.stringify(first)}`, story, client);
      tally("closed within a round with 08P01");
      return;
    }
    tally("survived a round");
  }
  const last = rng.next();
  const closing = last < 0.4 ? absurdLength(rng, rng.pick(corpus.session), true) : last < 0.7 ? unknownType(rng, rng.pick(corpus.session)) : mutateTyped(rng, rng.pick(corpus.session));
  mutated += 1;
  closing.how = `${story.how}then ${closing.how}`;
  const before = client.bytes.length;
  client.send(closing.bytes);
  if (closing.framing === "fatal") return expectProtocolClose(client, closing, before);
  return expectCleanEnd(client, closing, before, new Set(["08P01", "08006"]));
}

async function upstreamBackends(): Promise<number> {
  const r = await g.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'gateway' AND application_name <> 'portcullis-catalog'");
  return r.rows[0]!.n;
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test.before(async () => {
  g = await startGatewayUnderTest();
  token = await g.token();
  // The corpus is what a real driver sent: startup, password, simple and extended queries.
  const tee = await startTee(g.gateway.port);
  const client = new pg.Client({ host: "127.0.0.1", port: tee.port, user: "alice", database: "demo", password: token });
  await client.connect();
  await client.query("SELECT id, name FROM users WHERE id = $1", [1]);
  await client.query({ name: "by-id", text: "SELECT email, ssn FROM users WHERE id = $1", values: [2] });
  await client.query("SELECT count(*) FROM orders");
  await client.query("BEGIN; UPDATE orders SET note = 'x' WHERE id = -1; COMMIT");
  await client.end();
  await tee.close();
  const { startup, frames } = splitFrontend(Buffer.concat(tee.connections[0]!.fromClient));
  const session = frames.slice(1).filter((f) => f[0] !== 0x58);
  corpus = { startup, password: frames[0]!, session, sql: session.filter((f) => f[0] === 0x51 || f[0] === 0x50) };
});

test.after(async () => {
  await g?.stop();
});

test("the captured session holds the messages the fuzzer starts from", () => {
  assert.is(corpus.password[0], 0x70);
  const types = new Set(corpus.session.map((f) => String.fromCharCode(f[0]!)));
  for (const t of ["Q", "P", "B", "D", "E", "S"]) assert.ok(types.has(t), `no ${t} message captured`);
});

test("a 1 GB length prefix closes the connection at once with 08P01, in every phase", async () => {
  const gigabyte = (type: string): Buffer => Buffer.concat([Buffer.from(type, "latin1"), Buffer.from([0x40, 0, 0, 0]), Buffer.from("SELECT 1")]);
  const startup = await WireClient.open(g.gateway.port);
  startup.send(Buffer.from([0x40, 0, 0, 0, 0, 3, 0, 0]));
  const password = await WireClient.open(g.gateway.port);
  password.send(corpus.startup);
  await password.next("R");
  password.send(gigabyte("p"));
  const session = await wireLogin(g.gateway.port, { user: "alice", database: "demo", password: token });
  session.send(gigabyte("Q"));
  for (const client of [startup, password, session]) {
    const started = Date.now();
    await client.waitClosed(2000);
    assert.ok(Date.now() - started < 2000);
    // A first packet of absurd length is not answered at all, as by the server.
    if (client === startup) {
      assert.is(client.bytes.length, 0);
      continue;
    }
    const error = fatal(client.errors());
    assert.is(error?.code, "08P01");
    assert.match(error!.message, /invalid message length/);
  }
  mutated += 3;
});

test("garbage and an absurd startup close quietly, as on the server; an unknown message type is a protocol violation", async () => {
  for (const garbage of [Buffer.from("GET / HTTP/1.1\r\n\r\n"), startupMessage(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`p${i}`, "v"])))]) {
    const client = await WireClient.open(g.gateway.port);
    client.send(garbage);
    await client.waitClosed(3000);
    assert.is(client.bytes.length, 0);
    mutated += 1;
  }
  const cases: Array<[string, (c: WireClient) => Promise<void>]> = [
    [
      "an unknown message type after login",
      async (c) => {
        c.send(startupMessage({ user: "alice", database: "demo" }));
        await c.next("R");
        c.send(passwordMessage(token));
        await c.next("Z");
        c.send(frontendMessage("z", Buffer.from("hello")));
      },
    ],
    ["a message type before the password", async (c) => {
      c.send(startupMessage({ user: "alice", database: "demo" }));
      await c.next("R");
      c.send(frontendMessage("Q", Buffer.from("SELECT 1\0")));
    }],
  ];
  for (const [what, act] of cases) {
    const client = await WireClient.open(g.gateway.port);
    await act(client);
    await client.waitClosed(3000);
    const error = fatal(client.errors());
    assert.ok(error, `${what}: no FATAL error`);
    assert.is(error!.code, "08P01", what);
    mutated += 1;
  }
});

test("a password message larger than any token is refused before it is buffered", async () => {
  const client = await WireClient.open(g.gateway.port);
  client.send(corpus.startup);
  await client.next("R");
  // 1 MiB announced: a token is a few kilobytes; an unauthenticated client must not make the gateway hold more.
  const head = Buffer.alloc(5);
  head.write("p", 0, "latin1");
  head.writeInt32BE(1024 * 1024 + 4, 1);
  client.send(head, Buffer.alloc(1024, 0x61));
  await client.waitClosed(3000);
  const error = fatal(client.errors());
  assert.is(error?.code, "08P01");
  assert.match(error!.message, /invalid message length/);
  mutated += 1;
});

test("a client that hangs up while the gateway logs in upstream leaves no session behind", async () => {
  const ends = g.events.filter((e) => e.type === "session_end").length;
  for (let i = 0; i < 30; i++) {
    const client = await WireClient.open(g.gateway.port);
    client.send(corpus.startup);
    await client.next("R");
    client.send(corpus.password);
    if (i % 3 === 0) client.end();
    else if (i % 3 === 1) client.destroy();
    else client.socket.resetAndDestroy();
    await client.closed;
  }
  assert.ok(await eventually(async () => (await upstreamBackends()) === 0, 5000), `${await upstreamBackends()} upstream backends left open`);
  assert.is(g.events.filter((e) => e.type === "session_end").length - ends, 30, "every started session is recorded as ended");
});

test(`at least 10,000 mutated frames over many connections never take the gateway down (seed ${SEED})`, async () => {
  const started = Date.now();
  await inParallel(1200, 32, () => startupConnection());
  await inParallel(600, 32, () => passwordConnection());
  await inParallel(160, 12, (i) => sessionConnection(i, 12, 10));
  const seconds = (Date.now() - started) / 1000;
  assert.ok(mutated >= 10_000, `only ${mutated} mutated frames were sent`);
  assert.equal(crashes, [], `seed ${SEED}: the gateway process threw`);
  assert.ok(await eventually(() => g.gateway.connections === 0, 5000), `${g.gateway.connections} client connections still open`);
  assert.ok(await eventually(async () => (await upstreamBackends()) === 0, 5000), `${await upstreamBackends()} upstream backends left open`);
  assert.equal(g.logs.filter((l) => /crashed|internal error/.test(l)), []);
  assert.ok((endings.get("survived a round") ?? 0) > 100, `sessions rarely survived a round of mutations: ${JSON.stringify([...endings])}`);
  console.log(`fuzz: ${mutated} mutated frames in ${seconds.toFixed(1)} s, seed ${SEED}, endings ${JSON.stringify(Object.fromEntries(endings))}`);
});

test("afterwards a normal psql client still works, masking and denials included", async () => {
  const env = await g.env();
  const masked = await psql(env, "SELECT email FROM users WHERE id = 1");
  assert.is(masked.stderr, "");
  assert.is(masked.stdout.trim(), "****");
  const denied = await psql(env, "DELETE FROM orders");
  assert.match(denied.stderr, /42501|Portcullis denied this statement/);
  const count = await psql(env, "SELECT count(*) FROM orders");
  assert.is(count.stdout.trim(), "20");
});

test.run();
