import { connect, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { passwordMessage, queryMessage, startupMessage } from "../support/pg-wire.js";

/**
 * A client that reads slowly does not make the gateway buffer a large result: while the client reads
 * nothing, the gateway stops reading from the target (whose backend then waits on ClientWrite), and
 * the memory of the process hosting the gateway stays flat; once the client reads, the whole result
 * arrives intact.
 */

const ROWS = 50_000;
const WIDTH = 10_000;
const RESULT = `SELECT g, repeat('x', ${WIDTH}) AS pad FROM generate_series(1, ${ROWS}) g`;
const ALLOWED_GROWTH = 100 * 1024 * 1024;

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

/**
 * Counts backend messages as they stream by without keeping them: only the unread tail of the
 * current message is held, so the test itself adds no memory while it reads half a gigabyte.
 */
class MessageCounter {
  bytes = 0;
  rows = 0;
  types: string[] = [];
  private head = Buffer.alloc(0);
  private skip = 0;

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const need = 5 - this.head.length;
      const take = chunk.subarray(at, at + need);
      this.head = Buffer.concat([this.head, take]);
      at += take.length;
      if (this.head.length < 5) return;
      const type = String.fromCharCode(this.head[0]!);
      if (type === "D") this.rows += 1;
      else this.types.push(type);
      this.skip = this.head.readInt32BE(1) - 4;
      this.head = Buffer.alloc(0);
    }
  }
}

async function login(): Promise<{ socket: Socket; counter: MessageCounter }> {
  const socket = connect({ host: "127.0.0.1", port: g.gateway.port });
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const counter = new MessageCounter();
  socket.on("data", (chunk: Buffer) => counter.push(chunk));
  socket.write(startupMessage({ user: "alice", database: "demo" }));
  await until(() => counter.types.includes("R"), 10_000);
  socket.write(passwordMessage(await g.token()));
  await until(() => counter.types.includes("Z"), 10_000);
  return { socket, counter };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what = "the condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The wait event of the target backend running the big query: ClientWrite means it is blocked sending. */
async function upstreamWait(): Promise<string | null> {
  const r = await g.pg.query<{ wait: string | null }>("SELECT wait_event AS wait FROM pg_stat_activity WHERE query = $1 AND state = 'active'", [RESULT]);
  return r.rows[0]?.wait ?? null;
}

test(`a paused client of a ${(ROWS * WIDTH) / 1e6} MB result: the gateway's memory stays flat, then every row arrives`, async () => {
  const { socket, counter } = await login();
  socket.pause();
  const before = process.memoryUsage().rss;
  const received = counter.bytes;
  socket.write(queryMessage(RESULT));
  // The target fills the sockets up to the gateway, which stops reading: its backend waits to write.
  await until(async () => (await upstreamWait()) === "ClientWrite", 30_000, "the target backend to block on ClientWrite");
  let peak = before;
  for (let i = 0; i < 30; i++) {
    peak = Math.max(peak, process.memoryUsage().rss);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.is(await upstreamWait(), "ClientWrite", "the target is still held back");
  assert.is(counter.bytes, received, "the paused client read nothing");
  const growth = peak - before;
  assert.ok(growth < ALLOWED_GROWTH, `RSS grew by ${(growth / 1048576).toFixed(0)} MiB while the client was paused`);
  socket.resume();
  await until(() => counter.types.includes("C") && counter.types.lastIndexOf("Z") > counter.types.indexOf("C"), 120_000, "the whole result");
  assert.is(counter.rows, ROWS);
  assert.ok(counter.bytes - received > ROWS * WIDTH, `only ${counter.bytes - received} bytes arrived`);
  socket.destroy();
  console.log(`backpressure: RSS +${(growth / 1048576).toFixed(1)} MiB while paused; ${((counter.bytes - received) / 1e6).toFixed(0)} MB delivered after`);
});

test.run();
