import { test } from "uvu";
import * as assert from "uvu/assert";
import { ExecStatusReader } from "../../proxy/kubernetes/exec-status.js";

// The exit status of an exec, read off the apiserver's WebSocket frames (channel byte first; channel 3
// carries the Status), whatever way TCP cuts the bytes.

/** A server frame (unmasked): binary, with a channel byte and a payload. */
function frame(channel: number, payload: Buffer | string, opcode = 2): Buffer {
  const body = Buffer.concat([Buffer.from([channel]), typeof payload === "string" ? Buffer.from(payload) : payload]);
  const length = body.length;
  const head = length < 126 ? Buffer.from([0x80 | opcode, length]) : length < 65536 ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff]) : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(length)); return b; })()]);
  return Buffer.concat([head, body]);
}

const success = frame(3, JSON.stringify({ metadata: {}, status: "Success" }));
const exit3 = frame(3, JSON.stringify({ metadata: {}, status: "Failure", message: "command terminated with non-zero exit code", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "3" }] } }));

function read(bytes: Buffer, cuts: number[] = []): number | null | undefined {
  const reader = new ExecStatusReader();
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  return reader.exitStatus();
}

test("success is 0, an ExitCode cause its number, a failure without one null, nothing undefined", () => {
  const output = frame(1, "hello\n");
  assert.is(read(Buffer.concat([output, success])), 0);
  assert.is(read(Buffer.concat([output, frame(2, "oops\n"), exit3])), 3);
  assert.is(read(frame(3, JSON.stringify({ status: "Failure", reason: "InternalError", message: "exit status 3" }))), null);
  assert.is(read(output), undefined);
  assert.is(read(frame(3, "{not json")), null);
});

test("the status is read whatever way the bytes are cut", () => {
  const bytes = Buffer.concat([frame(1, "x".repeat(300)), exit3]);
  for (let cut = 0; cut <= bytes.length; cut++) assert.is(read(bytes, [cut]), 3, `cut at ${cut}`);
});

test("large output frames are passed over, not held, and the status after them is still read", () => {
  const big = frame(1, Buffer.alloc(200_000, 0x61));
  const bytes = Buffer.concat([big, success]);
  assert.is(read(bytes, [10, 70_000, 150_000]), 0);
  assert.is(read(bytes), 0);
});

test.run();
