import { serialize } from "pg-protocol";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FrameReader, type Frame } from "../../proxy/postgres/protocol/frame-reader.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { frontendMessage, passwordMessage, startupMessage, WireClient, type BackendMessage } from "../support/pg-wire.js";
import { startTrickle, type TcpTrickle } from "../support/tcp-trickle.js";

/**
 * Framing: a message may arrive cut anywhere. The same session of every frontend message type (startup,
 * password, Query, Parse, Bind, Describe, Execute with a row limit, Flush, Close, Sync, CopyData,
 * CopyDone, CopyFail, FunctionCall, Terminate), answered with most backend types (T, D, C, I, N, E, s,
 * n, t, 1, 2, 3, G, H, d, c, V, A, S, K, R, Z), runs through the real gateway twice: once in whole
 * writes, once with both the client's bytes and the server's bytes delivered one byte per write, so
 * every message crosses the gateway cut at every byte offset in both directions. The client must
 * receive the same messages both times. The captured streams are then fed to the frame reader split at
 * every offset, which must yield the same frames.
 */

interface Step {
  what: string;
  bytes: Buffer;
  /** The answer is complete at this many ReadyForQuery, or at the first message of this type (after a Flush). */
  until: number | string;
}

let g: GatewayUnderTest;
let upstream: TcpTrickle;
let front: TcpTrickle;
let absOid: number;
const whole: { sent: Buffer[]; received: string[] } = { sent: [], received: [] };

test.before(async () => {
  g = await startGatewayUnderTest({
    upstreamVia: async (port) => {
      upstream = await startTrickle(port);
      return upstream.port;
    },
  });
  front = await startTrickle(g.gateway.port);
  const oid = await g.pg.query<{ oid: number }>("SELECT 'pg_catalog.abs(integer)'::regprocedure::oid::int AS oid");
  absOid = oid.rows[0]!.oid;
});

test.after(async () => {
  await front?.close();
  await g?.stop();
  await upstream?.close();
});

function steps(): Step[] {
  return [
    { what: "simple query", bytes: serialize.query("SELECT id, note FROM orders ORDER BY id LIMIT 3"), until: 1 },
    { what: "empty query", bytes: serialize.query(""), until: 1 },
    { what: "a warning", bytes: serialize.query("ROLLBACK"), until: 1 },
    { what: "a masked column", bytes: serialize.query("SELECT id, email FROM users ORDER BY id"), until: 1 },
    {
      what: "named statement, portal fetched two rows at a time, closes",
      bytes: Buffer.concat([
        serialize.parse({ name: "s1", text: "SELECT id FROM orders WHERE id > $1 ORDER BY id LIMIT 5" }),
        serialize.describe({ type: "S", name: "s1" }),
        serialize.bind({ portal: "p1", statement: "s1", values: ["10"] }),
        serialize.describe({ type: "P", name: "p1" }),
        serialize.execute({ portal: "p1", rows: 2 }),
        serialize.execute({ portal: "p1", rows: 0 }),
        serialize.close({ type: "P", name: "p1" }),
        serialize.close({ type: "S", name: "s1" }),
        serialize.sync(),
      ]),
      until: 1,
    },
    { what: "describe a statement without rows", bytes: Buffer.concat([serialize.parse({ text: "UPDATE orders SET note = note WHERE id = $1" }), serialize.describe({ type: "S", name: "" }), serialize.sync()]), until: 1 },
    { what: "parse then flush", bytes: Buffer.concat([serialize.parse({ text: "SELECT $1::int + 1" }), serialize.flush()]), until: "1" },
    { what: "bind and run the flushed statement", bytes: Buffer.concat([serialize.bind({ values: ["41"] }), serialize.execute({}), serialize.sync()]), until: 1 },
    { what: "COPY FROM STDIN", bytes: serialize.query("COPY orders (id, user_id, amount, note) FROM STDIN"), until: "G" },
    { what: "copy data and done", bytes: Buffer.concat([serialize.copyData(Buffer.from("601\t1\t5.00\tcut one\n602\t2\t")), serialize.copyData(Buffer.from("6.50\tcut two\n")), serialize.copyDone()]), until: 1 },
    { what: "COPY FROM STDIN again", bytes: serialize.query("COPY orders (id, user_id, amount, note) FROM STDIN"), until: "G" },
    { what: "copy fail", bytes: Buffer.concat([serialize.copyData(Buffer.from("603\t1\t1.00\tnever\n")), serialize.copyFail("the client gave up")]), until: 1 },
    { what: "COPY TO STDOUT", bytes: serialize.query("COPY (SELECT id, note FROM orders WHERE id > 598 ORDER BY id) TO STDOUT"), until: 1 },
    { what: "function call", bytes: functionCall(absOid, ["-4242"]), until: 1 },
    { what: "notification", bytes: serialize.query("LISTEN framing; NOTIFY framing, 'cut'"), until: 1 },
    { what: "a syntax error in Parse, then Sync", bytes: Buffer.concat([serialize.parse({ text: "SELEC 1" }), serialize.sync()]), until: 1 },
    { what: "a denied statement", bytes: serialize.query("DELETE FROM orders"), until: 1 },
  ];
}

/** A FunctionCall message: OID, text-format arguments, text result. */
function functionCall(oid: number, args: string[]): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt32BE(oid, 0);
  head.writeInt16BE(1, 4);
  head.writeInt16BE(0, 6);
  head.writeInt16BE(args.length, 8);
  const values = args.map((a) => {
    const length = Buffer.alloc(4);
    length.writeInt32BE(Buffer.byteLength(a), 0);
    return Buffer.concat([length, Buffer.from(a)]);
  });
  return frontendMessage("F", Buffer.concat([head, ...values, Buffer.from([0, 0])]));
}

/** A message as the comparison sees it: what differs between two sessions (backend key, notifier's pid) blanked. */
function shown(m: BackendMessage): string {
  if (m.type === "K") return "K";
  if (m.type === "A") return `A${m.body.subarray(4).toString("hex")}`;
  return `${m.type}${m.body.toString("hex")}`;
}

async function runSession(): Promise<{ sent: Buffer[]; received: string[]; ended: boolean }> {
  const token = await g.token();
  const client = await WireClient.open(front.port);
  const sent: Buffer[] = [];
  const send = (bytes: Buffer): void => {
    sent.push(bytes);
    client.send(bytes);
  };
  try {
    send(startupMessage({ user: "alice", database: "demo" }));
    await client.next("R", 0, 30_000);
    send(passwordMessage(token));
    await client.until(() => client.messages().some((m) => m.type === "Z"), 60_000, "the login's ReadyForQuery");
    for (const step of steps()) {
      const from = client.messages().length;
      send(step.bytes);
      const done = (): boolean => {
        const after = client.messages().slice(from);
        return typeof step.until === "number" ? after.filter((m) => m.type === "Z").length >= step.until : after.some((m) => m.type === step.until);
      };
      await client.until(done, 60_000, `the answer to ${step.what}`);
    }
    send(serialize.end());
    await client.waitClosed(30_000);
    return { sent, received: client.messages().map(shown), ended: client.hasClosed };
  } finally {
    client.destroy();
    await g.pg.query("DELETE FROM orders WHERE id > 598");
  }
}

test("a session of every message type gets the same answers when every message arrives cut at every byte, both ways", async () => {
  const first = await runSession();
  assert.ok(first.ended, "Terminate closes the session");
  whole.sent = first.sent;
  whole.received = first.received;
  const types = new Set(first.received.map((m) => m[0]));
  for (const t of ["R", "S", "K", "Z", "T", "D", "C", "I", "N", "E", "s", "n", "t", "1", "2", "3", "G", "H", "d", "c", "V", "A"]) {
    assert.ok(types.has(t), `the session exercises backend message ${t}`);
  }
  assert.ok(first.received.some((m) => m.startsWith("D") && Buffer.from(m.slice(1), "hex").includes("ada@example.com")) === false, "the masked column is masked");

  front.trickling = true;
  upstream.trickling = true;
  try {
    const cut = await runSession();
    assert.equal(cut.received, first.received);
  } finally {
    front.trickling = false;
    upstream.trickling = false;
  }
  assert.equal(g.logs.filter((l) => /crashed|internal error|protocol/.test(l)), []);
});

/** The reference frames of a stream and the same stream read in two chunks cut at `at`. */
function readAll(stream: Buffer, cuts: number[], untypedFirst: number): Frame[] {
  const reader = new FrameReader({ maxLength: 1 << 30 });
  const frames: Frame[] = [];
  let untyped = untypedFirst;
  let from = 0;
  const take = (chunk: Buffer): void => {
    // Startup-phase messages have no type byte: say so before each one, as the listener does.
    if (untyped > 0 && frames.length === untypedFirst - untyped) reader.expectUntyped();
    for (const f of reader.push(chunk)) {
      frames.push(f);
      if (untyped > 0) untyped--;
      if (untyped > 0) reader.expectUntyped();
    }
  };
  for (const at of [...cuts, stream.length]) {
    take(stream.subarray(from, at));
    from = at;
  }
  return frames;
}

test("the frame reader gives the same frames for the captured streams cut at every byte offset", () => {
  assert.ok(whole.sent.length > 0, "the session ran");
  const clientBytes = Buffer.concat(whole.sent);
  const serverBytes = Buffer.concat(upstream.connections[0]!.toClient);
  for (const [stream, untyped] of [
    [clientBytes, 1],
    [serverBytes, 0],
  ] as const) {
    const reference = readAll(stream, [], untyped).map((f) => f.raw.toString("hex"));
    assert.is(reference.join("").length, stream.length * 2, "the reference reads every byte");
    for (let at = 1; at < stream.length; at++) {
      const frames = readAll(stream, [at], untyped).map((f) => f.raw.toString("hex"));
      if (frames.join("|") !== reference.join("|")) assert.equal(frames, reference, `cut at byte ${at}`);
    }
    const bytewise = readAll(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1), untyped).map((f) => f.raw.toString("hex"));
    assert.equal(bytewise, reference, "one byte at a time");
  }
});

test.run();
