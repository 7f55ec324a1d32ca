import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";
import type { Connection } from "ssh2";
import type { SshGatewayContext } from "./context.js";
import { runSession } from "./session.js";

export interface SshListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface SshListenOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** The gateway's host key (OpenSSH or PEM private key). */
  hostKey: string;
  context: SshGatewayContext;
}

/** Listens for SSH clients; each connection runs as one session (session.ts). */
export function listenSsh(options: SshListenOptions): Promise<SshListener> {
  const server = new ssh2.Server({ hostKeys: [options.hostKey], ident: "Portcullis" }, (client, info) => runSession(client, `${info.ip}:${info.port}`, options.context));
  const connections = new Set<Connection>();
  server.on("connection", (client: Connection) => {
    connections.add(client);
    client.once("close", () => connections.delete(client));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      resolve({
        host: options.host,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const client of connections) client.end();
            server.close(() => done());
          }),
      });
    });
  });
}
