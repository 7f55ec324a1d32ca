import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { CancelRegistry } from "./cancel-registry.js";
import type { PostgresGatewayContext } from "./context.js";
import type { BinaryDecoder } from "./row-masker.js";
import { runSession } from "./session.js";
import { DEFAULT_SESSION_LIMITS, SessionLimits, type SessionLimitSettings } from "./session-limits.js";

export interface PostgresListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  context: PostgresGatewayContext;
  decode: BinaryDecoder;
  /** Largest client message accepted (default 64 MiB); a larger length prefix closes that connection. */
  messageLimit?: number;
  /** How long a client may take from connecting to its first ReadyForQuery (default 60 s, PostgreSQL's authentication_timeout). */
  startupTimeoutMs?: number;
  /** Session limits and idle timeout (DEFAULT_SESSION_LIMITS otherwise). */
  sessionLimits?: SessionLimitSettings;
}

export interface PostgresListener {
  host: string;
  port: number;
  /** Open client connections. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Listens for PostgreSQL clients. A session's failure, however it happens, never reaches the listener. */
export function listenPostgres(options: PostgresListenerOptions): Promise<PostgresListener> {
  const cancels = new CancelRegistry();
  const limits = new SessionLimits(options.sessionLimits ?? DEFAULT_SESSION_LIMITS);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    runSession(socket, {
      context: options.context,
      cancels,
      decode: options.decode,
      messageLimit: options.messageLimit ?? 64 * 1024 * 1024,
      startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
      limits,
    }).catch((error: unknown) => {
      options.context.log(`session crashed: ${String(error)}`);
      socket.destroy();
    });
  });
  server.on("error", (error) => options.context.log(`postgres listener: ${error.message}`));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.removeListener("error", reject);
      const address = server.address() as AddressInfo;
      resolve({
        host: options.host,
        port: address.port,
        get connections() {
          return sockets.size;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
