import { connect, type Socket } from "node:net";

/**
 * Connects a relay's accepted `client` to `host:port` and ties the two together: both are tracked in
 * `sockets` until they close, and an error on either destroys both.
 */
export function connectPair(client: Socket, host: string, port: number, sockets: Set<Socket>): Socket {
  const upstream = connect({ host, port, noDelay: true });
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on("error", () => {
      client.destroy();
      upstream.destroy();
    });
    s.once("close", () => sockets.delete(s));
  }
  return upstream;
}
