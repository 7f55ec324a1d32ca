import { connect, createServer, type Server, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kubeGatewayForSuite } from "../support/kube-gateway.js";

// An apiserver behind a slow link, and one that accepts connections and never answers: each request
// to them gets its answer (late) or a clear error, and requests to the healthy cluster meanwhile are
// not held up by them.

const DELAY_MS = 1_500;

/** A TCP relay to the real apiserver that holds every chunk, both ways, for `delayMs`: a slow link. */
function slowLink(delayMs: number): { server: Server; to: { port: number } } {
  const to = { port: 0 };
  const server = createServer((client) => {
    const upstream = connect({ host: "127.0.0.1", port: to.port });
    const later = (from: Socket, into: Socket): void => {
      from.on("data", (chunk: Buffer) => setTimeout(() => into.writable && into.write(chunk), delayMs));
      from.on("close", () => setTimeout(() => into.destroy(), delayMs));
      from.on("error", () => into.destroy());
    };
    later(client, upstream);
    later(upstream, client);
  });
  return { server, to };
}

/** Accepts connections and never says anything: TLS never starts. */
function blackHole(): Server {
  const held: Socket[] = [];
  const server = createServer((socket) => {
    held.push(socket);
    socket.on("error", () => undefined);
  });
  server.on("close", () => held.forEach((s) => s.destroy()));
  return server;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `https://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const slow = slowLink(DELAY_MS);
const hole = blackHole();
const gateway = kubeGatewayForSuite(test, { servers: { slow: await listen(slow.server), hole: await listen(hole) } });
test.before(() => {
  slow.to.port = Number(new URL(gateway().cluster.url).port);
});
test.after(() => {
  slow.server.close();
  hole.close();
});

test("a request to an apiserver behind a slow link is answered, late, while the healthy cluster answers at once", async () => {
  const ns = gateway().cluster.namespace;
  const started = Date.now();
  const late = gateway().kubectl(["get", "--raw", `/api/v1/namespaces/${ns}/configmaps`], { target: "slow" });
  await new Promise((r) => setTimeout(r, 200));
  const quickStarted = Date.now();
  const quick = await gateway().kubectl(["get", "--raw", `/api/v1/namespaces/${ns}/configmaps`]);
  const quickMs = Date.now() - quickStarted;
  assert.is(quick.code, 0, quick.stderr);
  const answer = await late;
  assert.is(answer.code, 0, answer.stderr);
  assert.match(answer.stdout, '"kind":"ConfigMapList"');
  // The slow one waited for at least a round trip through the link; the quick one did not wait for it.
  assert.ok(Date.now() - started >= 2 * DELAY_MS, `the slow link answered in ${Date.now() - started} ms`);
  assert.ok(quickMs < DELAY_MS, `the healthy cluster took ${quickMs} ms while the slow one was pending`);
});

test("an apiserver that never answers is a 503 naming the timeout, and the gateway goes on serving", async () => {
  const ns = gateway().cluster.namespace;
  const hung = gateway().kubectl(["get", "--raw", `/api/v1/namespaces/${ns}/pods`], { target: "hole", timeoutMs: 30_000 });
  const meanwhile = await gateway().kubectl(["get", "pods", "-n", ns, "-o", "name"]);
  assert.is(meanwhile.code, 0, meanwhile.stderr);
  const r = await hung;
  assert.is(r.code, 1);
  assert.match(r.stderr, "Portcullis could not reach the target hole: no connection within 10000 ms");
});

test.run();
