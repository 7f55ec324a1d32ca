import { test } from "uvu";
import * as assert from "uvu/assert";
import { ALICE, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { queryMessage, wireLogin, type WireClient } from "../support/pg-wire.js";

/**
 * The relay keeps reading a client while one of its statements is decided or running, so messages the
 * client pipelines wait in the gateway's inbox; past a bound (256 messages or 1 MiB) it stops reading
 * that client until it has caught up. Every pipelined statement must still be answered, in order, and a
 * client that floods must find its own writes held back by TCP instead of filling the gateway's memory.
 */

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

const session = async (): Promise<WireClient> => wireLogin(g.gateway.port, { user: ALICE.subject, database: "demo", password: await g.token(ALICE) });

/** ReadyForQuery messages received so far, counted as chunks arrive (re-reading every byte each time is quadratic). */
function readyCounter(c: WireClient): () => number {
  const ready = Buffer.from([0x5a, 0, 0, 0, 5]);
  let count = c.messages().filter((m) => m.type === "Z").length;
  let tail = Buffer.alloc(0);
  // Before the client's own listener, which re-checks what `until` waits for.
  c.socket.prependListener("data", (chunk: Buffer) => {
    const window = Buffer.concat([tail, chunk]);
    for (let at = window.indexOf(ready); at !== -1; at = window.indexOf(ready, at + 1)) if (at + ready.length > tail.length) count++;
    tail = window.subarray(Math.max(0, window.length - (ready.length - 1)));
  });
  return () => count;
}

test("3,000 statements pipelined in one write are all answered, in order", async () => {
  const c = await session();
  const readyCount = readyCounter(c);
  const from = c.bytes.length;
  const count = 3000;
  c.send(Buffer.concat(Array.from({ length: count }, (_, i) => queryMessage(`SELECT ${i} AS n`))));
  const before = readyCount();
  await c.until(() => readyCount() >= before + count, 30_000, `${count} ReadyForQuery messages`);
  const values = c
    .messages(from)
    .filter((m) => m.type === "D")
    .map((m) => m.body.subarray(6).toString("utf8"));
  assert.is(values.length, count);
  assert.ok(
    values.every((v, i) => v === String(i)),
    `answers out of order near ${values.findIndex((v, i) => v !== String(i))}`,
  );
  assert.equal(c.errors(from), []);
  c.destroy();
});

test("a client pipelining 24 MiB behind a running statement is held back by TCP, then answered in full", async () => {
  const c = await session();
  const readyCount = readyCounter(c);
  const before = readyCount();
  // A statement that runs for a while: what follows it waits in the gateway until it has run.
  c.send(queryMessage("SELECT pg_sleep(1.5)"));
  const filler = `SELECT 1 /* ${"x".repeat(4000)} */`;
  const batch = Buffer.concat(Array.from({ length: 256 }, () => queryMessage(filler)));
  const batches = Math.ceil((24 * 1024 * 1024) / batch.length);
  for (let i = 0; i < batches; i++) c.send(batch);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  // Had the gateway read on without bound, the client's own buffer would have emptied into it.
  const unsent = c.socket.writableLength;
  assert.ok(unsent > 8 * 1024 * 1024, `only ${unsent} bytes were still waiting on the client's side: the gateway read on`);
  await c.until(() => readyCount() >= before + 1 + batches * 256, 120_000, "every pipelined statement answered");
  assert.is(c.messages().filter((m) => m.type === "E").length, 0);
  c.destroy();
});

test.run();
