import { createServer, type AddressInfo, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { connectPair } from "./tcp-pair.js";

/** Bytes one direction of one connection carried, in order. */
export interface TrickleConnection {
  toServer: Buffer[];
  toClient: Buffer[];
}

export interface TcpTrickle {
  port: number;
  /** While true, every byte is written on its own, a millisecond after the one before it. */
  trickling: boolean;
  connections: TrickleConnection[];
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of `port` that can deliver each direction one byte per write
 * with a pause between writes, so whoever reads it sees every message cut at every byte offset; and
 * that keeps a copy of every byte it carried.
 */
export function startTrickle(port: number, host = "127.0.0.1"): Promise<TcpTrickle> {
  const sockets = new Set<Socket>();
  const trickle: TcpTrickle = { port: 0, trickling: false, connections: [], close: async () => undefined };
  const server = createServer((client) => {
    client.setNoDelay(true);
    const record: TrickleConnection = { toServer: [], toClient: [] };
    trickle.connections.push(record);
    const upstream = connectPair(client, host, port, sockets);
    relay(client, upstream, record.toServer, () => trickle.trickling);
    relay(upstream, client, record.toClient, () => trickle.trickling);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      trickle.port = (server.address() as AddressInfo).port;
      trickle.close = () =>
        new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        });
      resolve(trickle);
    });
  });
}

/** Copies `from` to `to` in arrival order; one byte at a time while `slow()` says so. */
function relay(from: Socket, to: Socket, copy: Buffer[], slow: () => boolean): void {
  const queue: Buffer[] = [];
  let draining = false;
  let ended = false;
  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    while (queue.length > 0 && !to.destroyed) {
      const chunk = queue.shift()!;
      if (!slow()) {
        to.write(chunk);
        continue;
      }
      for (let i = 0; i < chunk.length && !to.destroyed; i++) {
        to.write(chunk.subarray(i, i + 1));
        await delay(1);
      }
    }
    draining = false;
    if (ended && queue.length === 0) to.end();
  };
  from.on("data", (chunk: Buffer) => {
    copy.push(chunk);
    queue.push(chunk);
    void drain();
  });
  from.on("end", () => {
    ended = true;
    void drain();
  });
}
