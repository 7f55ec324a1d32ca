/**
 * `node dist/bench/ssh/nodelay-check.js [--nodelay]`: how long a request the gateway refuses takes on
 * an open connection (channel open, exec, decision, audit record, refusal on stderr, exit status,
 * close), with the gateway as it is, or with TCP_NODELAY forced on every socket the process accepts
 * or opens (the gateway sets it nowhere: not on its clients' connections, not on its own upstream
 * ones). ssh2 writes every SSH packet with its own socket write, so the end of a request (stderr,
 * exit-status, EOF, CLOSE) waits under Nagle for the peer's delayed ACK, about 40 ms on Linux.
 *
 * Diagnostic only: the forcing patches net.Server/net.Socket in this process, gateway included.
 */
import net from "node:net";

const NODELAY = process.argv.includes("--nodelay");
const SAMPLES = 30;

if (NODELAY) {
  const emit = net.Server.prototype.emit as (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;
  net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "connection" && args[0] instanceof net.Socket) args[0].setNoDelay(true);
    return emit.call(this, event, ...args);
  } as typeof net.Server.prototype.emit;
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    this.setNoDelay(true);
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
}

const { startSshGateway } = await import("../../test/support/ssh-gateway.js");
const { connectClient } = await import("./exec-channels.js");
const g = await startSshGateway();
try {
  const client = await connectClient("gateway", { port: g.port, sshd: g.sshd, keyFile: `${g.dir}/web.key`, token: await g.token() });
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) =>
      client.exec("cat /etc/shadow", (error, channel) => {
        if (error) return reject(error);
        channel.resume();
        channel.stderr.resume();
        channel.once("close", () => resolve());
      }),
    );
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  client.end();
  times.sort((a, b) => a - b);
  console.log(`TCP_NODELAY ${NODELAY ? "forced on every socket" : "as the gateway sets it (nowhere)"}: refused exec on an open connection, ${SAMPLES} samples: p50 ${times[SAMPLES >> 1]?.toFixed(1)} ms, min ${times[0]?.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms`);
} finally {
  await g.stop();
}
