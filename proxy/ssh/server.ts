import { createServer, type AddressInfo, type Socket } from "node:net";
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
  /** A connection not logged in after this long is dropped (OpenSSH's LoginGraceTime). */
  loginGraceMs: number;
  /** Connections not yet logged in at once; more are dropped on arrival (OpenSSH's MaxStartups). */
  maxUnauthenticated: number;
}

/**
 * Listens for SSH clients; each connection runs as one session (session.ts). The TCP listener is
 * the gateway's own, handing each socket to ssh2's server: ssh2 has no limit on how long a login
 * may take nor on how many connections may be logging in, and sets no TCP_NODELAY, so a client that
 * sends nothing (or a byte a second) would hold a connection forever and every request's end would
 * wait for the peer's delayed ACK.
 */
export function listenSsh(options: SshListenOptions): Promise<SshListener> {
  const ssh = new ssh2.Server({ hostKeys: [options.hostKey], ident: "Portcullis" }, (client, info) => runSession(client, `${info.ip}:${info.port}`, options.context));
  const sockets = new Set<Socket>();
  /** Sockets still logging in, each with its grace timer. */
  const loggingIn = new Map<Socket, NodeJS.Timeout>();
  const loggedIn = (socket: Socket): void => {
    clearTimeout(loggingIn.get(socket));
    loggingIn.delete(socket);
  };
  const tcp = createServer({ noDelay: true }, (socket) => {
    if (loggingIn.size >= options.maxUnauthenticated) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      loggedIn(socket);
    });
    loggingIn.set(
      socket,
      setTimeout(() => {
        loggingIn.delete(socket);
        socket.destroy();
      }, options.loginGraceMs),
    );
    ssh.injectSocket(socket);
  });
  ssh.on("connection", (client: Connection) => {
    // ssh2 keeps the socket it was given; once the client has logged in, the grace timer stops.
    const socket = (client as unknown as { _sock?: Socket })._sock;
    client.once("ready", () => socket && loggedIn(socket));
  });
  return new Promise((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off("error", reject);
      const address = tcp.address() as AddressInfo;
      resolve({
        host: options.host,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            tcp.close(() => done());
          }),
      });
    });
  });
}
