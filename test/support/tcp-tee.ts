import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { connectPair } from "./tcp-pair.js";

/** The bytes of one connection through the tee, in each direction, in arrival order. */
export interface TeeConnection {
  fromClient: Buffer[];
  toClient: Buffer[];
}

export interface TcpTee {
  port: number;
  connections: TeeConnection[];
  /** Everything every client was sent, concatenated. */
  allToClient(): Buffer;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of `port` that keeps a copy of every byte in both directions:
 * the test sees exactly what a client sent and received, whatever client program it was.
 */
export function startTee(port: number, host = "127.0.0.1"): Promise<TcpTee> {
  const connections: TeeConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const record: TeeConnection = { fromClient: [], toClient: [] };
    connections.push(record);
    const upstream = connectPair(client, host, port, sockets);
    client.on("data", (d: Buffer) => record.fromClient.push(d));
    upstream.on("data", (d: Buffer) => record.toClient.push(d));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        connections,
        allToClient: () => Buffer.concat(connections.flatMap((c) => c.toClient)),
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
