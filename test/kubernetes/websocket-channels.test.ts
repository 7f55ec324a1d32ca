import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { WebSocketChannelReader } from "../../proxy/kubernetes/websocket-channels.js";

// The channel protocol read off WebSocket frames in either direction: client frames masked, server
// frames not, messages split over continuation frames, control frames in between, and TCP cutting the
// bytes anywhere.

function frame(opcode: number, payload: Buffer, options: { mask?: boolean; fin?: boolean } = {}): Buffer {
  const length = payload.length;
  const maskBit = options.mask ? 0x80 : 0;
  const first = ((options.fin ?? true) ? 0x80 : 0) | opcode;
  let head: Buffer;
  if (length < 126) head = Buffer.from([first, maskBit | length]);
  else if (length < 65536) head = Buffer.from([first, maskBit | 126, length >> 8, length & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!options.mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i & 3]!));
  return Buffer.concat([head, key, masked]);
}

const message = (channel: number, data: string | Buffer, mask = false): Buffer => frame(2, Buffer.concat([Buffer.from([channel]), Buffer.from(data)]), { mask });

function read(bytes: Buffer, cuts: number[] = []): Map<number, string> {
  const seen = new Map<number, string>();
  const reader = new WebSocketChannelReader((channel, data) => seen.set(channel, (seen.get(channel) ?? "") + data.toString("latin1")));
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  return seen;
}

test("server frames: each channel's data, in order", () => {
  const seen = read(Buffer.concat([message(1, "hello "), message(2, "warn\n"), message(1, "world\n"), message(3, "{}")]));
  assert.equal([...seen], [[1, "hello world\n"], [2, "warn\n"], [3, "{}"]]);
});

test("client frames are unmasked: stdin and resize", () => {
  const seen = read(Buffer.concat([message(0, "ls -l\r", true), message(4, '{"Width":80,"Height":24}', true), message(0, "exit\r", true)]));
  assert.equal([...seen], [[0, "ls -l\rexit\r"], [4, '{"Width":80,"Height":24}']]);
});

test("every cut of a stream with a ping, a continuation and a long frame reads the same", () => {
  const long = "x".repeat(70_000);
  const bytes = Buffer.concat([
    message(1, "a", true),
    frame(9, Buffer.from("ping"), { mask: true }),
    frame(2, Buffer.from([1, 0x62, 0x63]), { fin: false, mask: true }),
    frame(10, Buffer.from("pong"), { mask: true }),
    frame(0, Buffer.from("de"), { mask: true }),
    message(2, long, true),
    message(1, "", true),
    message(1, "z", true),
  ]);
  const whole = read(bytes);
  assert.equal([...whole], [[1, "abcdez"], [2, long]]);
  for (let cut = 0; cut < 200; cut++) assert.equal(read(bytes, [cut]), whole, `cut at ${cut}`);
  for (let cut = bytes.length - 40; cut <= bytes.length; cut++) assert.equal(read(bytes, [cut]), whole, `cut at ${cut}`);
  // One byte at a time.
  assert.equal(read(bytes, Array.from({ length: bytes.length }, (_, i) => i)), whole);
});

test.run();
