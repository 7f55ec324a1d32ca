import { connect } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { frontendMessage, startupMessage, WireClient } from "../support/pg-wire.js";
import { psql } from "../support/run.js";

/**
 * Whatever a client sends as its first packet, the gateway answers with the bytes the real server
 * sends: nothing at all for a length out of range, a truncated packet or a malformed cancel (the
 * server only logs those), the old-format error for a protocol version before 3.0, a FATAL for a
 * newer major version, a malformed parameter list or a missing user name. Compared byte for byte
 * with a real PostgreSQL server, except the server's source-location fields (file, line, routine).
 */

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

const int32s = (...values: number[]): Buffer => {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, 4 * i));
  return out;
};
const packet = (code: number, rest: string): Buffer => {
  const body = Buffer.concat([int32s(code), Buffer.from(rest, "latin1")]);
  return Buffer.concat([int32s(body.length + 4), body]);
};

const SSL = 80877103;
const CANCEL = 80877102;

const CASES: Record<string, Buffer> = {
  "length 4": int32s(4),
  "length 3": Buffer.from([0, 0, 0, 3]),
  "length 7": Buffer.concat([int32s(7), Buffer.from([1, 2, 3])]),
  "length -1": Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]),
  "length over 10000": Buffer.concat([int32s(20_000), Buffer.alloc(100)]),
  "an HTTP request": Buffer.from("GET / HTTP/1.1\r\nHost: db\r\n\r\n"),
  "a TLS ClientHello": Buffer.from([0x16, 3, 1, 0, 0x50, 1, 0, 0, 0x4c, 3, 3, 0, 0, 0]),
  "protocol 0.1234": int32s(8, 1234),
  "protocol 0.0": packet(0, "user\0a\0\0"),
  "protocol 2.0": packet(0x20000, "user\0a\0\0"),
  "protocol 4.0": packet(0x40000, "user\0a\0\0"),
  "no terminator": packet(0x30000, "user\0a\0"),
  "a name without a value": packet(0x30000, "user\0a\0database\0\0"),
  "no user": packet(0x30000, "database\0demo\0\0"),
  "an empty user": packet(0x30000, "user\0\0\0"),
  "nothing but the terminator": packet(0x30000, "\0"),
  "a cancel of 8 bytes": int32s(8, CANCEL),
  "a cancel of 20 bytes": int32s(20, CANCEL, 1, 2, 3),
  "a cancel of a session that does not exist": int32s(16, CANCEL, 1234, 5678),
  "protocol 0.1": int32s(8, 1),
  "protocol 1.0 with parameters": packet(0x10000, "user\0a\0\0"),
  "protocol 3.65535 without a terminator": int32s(8, 0x3ffff),
  "an SSLRequest with extra bytes": int32s(12, SSL, 0),
  "an SSLRequest with a startup pipelined behind it": Buffer.concat([int32s(8, SSL), packet(0x30000, "user\0alice\0\0")]),
  "a startup cut short by the client": Buffer.from([0, 0, 0, 50, 0, 3, 0, 0]),
};

/** Everything the peer sends until it closes (or 1.5 s pass), with the client's write half closed when `end`. */
function exchange(port: number, bytes: Buffer, end: boolean): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let outcome = "closed";
    const timer = setTimeout(() => {
      outcome = "open";
      socket.destroy();
    }, 1500);
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(`${outcome}: ${JSON.stringify(withoutLocation(Buffer.concat(chunks)).toString("latin1"))}`);
    });
    socket.on("connect", () => {
      socket.write(bytes);
      if (end) socket.end();
    });
  });
}

/** Drops the F, L and R fields (the server's source file, line and routine) from v3 ErrorResponses. */
function withoutLocation(bytes: Buffer): Buffer {
  // A one-byte answer to an encryption request may come first.
  if (bytes[0] === 0x4e && bytes[1] === 0x45) return Buffer.concat([bytes.subarray(0, 1), withoutLocation(bytes.subarray(1))]);
  if (bytes[0] !== 0x45 || bytes.length < 5 || bytes[1] !== 0) return bytes;
  const length = bytes.readInt32BE(1);
  const body = bytes.subarray(5, 1 + length);
  const fields: Buffer[] = [];
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (!"FLR".includes(String.fromCharCode(body[at]!))) fields.push(body.subarray(at, end + 1));
    at = end + 1;
  }
  const out = Buffer.concat([...fields, Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write("E", 0, "latin1");
  head.writeInt32BE(out.length + 4, 1);
  return Buffer.concat([head, out, withoutLocation(bytes.subarray(1 + length))]);
}

for (const [name, bytes] of Object.entries(CASES)) {
  test(`first packet: ${name} gets the server's answer`, async () => {
    const end = name.includes("cut short");
    const [server, gateway] = await Promise.all([exchange(g.pg.port, bytes, end), exchange(g.gateway.port, bytes, end)]);
    assert.is(gateway, server);
  });
}

test("a second SSLRequest after the first was answered is read as a protocol version, as by the server", async () => {
  const twice = (port: number): Promise<string> =>
    new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      const chunks: Buffer[] = [];
      socket.on("data", (d: Buffer) => {
        if (chunks.push(d) === 1) socket.write(int32s(8, SSL));
      });
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(withoutLocation(Buffer.concat(chunks)).toString("latin1")));
      socket.on("connect", () => socket.write(int32s(8, SSL)));
      setTimeout(() => socket.destroy(), 1500);
    });
  const [server, gateway] = await Promise.all([twice(g.pg.port), twice(g.gateway.port)]);
  assert.match(server, /unsupported frontend protocol 1234\.5679/);
  assert.is(gateway, server);
});

test("a newer minor version is negotiated down to 3.0 as the server does", async () => {
  const bytes = packet(0x30001, "user\0alice\0_pq_.future\0x\0\0");
  const [server, gateway] = await Promise.all([exchange(g.pg.port, bytes, false), exchange(g.gateway.port, bytes, false)]);
  // Both then ask for a password, each its own way (SCRAM there, the token here): compare the negotiation.
  const negotiation = (s: string): string => s.slice(0, s.indexOf("R\\u0000"));
  assert.is(negotiation(gateway), negotiation(server));
  assert.match(server, /^open: "v/);
});

test("another message where the password belongs gets the server's words for it", async () => {
  for (const [type, code] of [["Q", 81], ["z", 122], ["X", 88]] as const) {
    const client = await WireClient.open(g.gateway.port);
    client.send(startupMessage({ user: "alice", database: "demo" }));
    await client.next("R");
    client.send(frontendMessage(type, Buffer.from("SELECT 1\0")));
    await client.waitClosed(5000);
    assert.equal(client.errors(), [{ severity: "FATAL", code: "08P01", message: `expected password response, got message type ${code}` }]);
  }
});

test("the gateway still serves clients after all that", async () => {
  const r = await psql(await g.env(), "SELECT 'alive'");
  assert.match(r.stdout, /alive/);
});

test.run();
