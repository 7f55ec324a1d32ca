/**
 * The sockets side of SSH fuzzing (the mutants themselves are pure: ssh-mutants.ts): a raw TCP client
 * for cleartext openings, and a carrier, ssh2's own Client, that completes a real key exchange (and,
 * after, a real login) and then sends mutated message payloads encrypted with the agreed keys.
 */
import { connect } from "node:net";
import ssh2 from "ssh2";
import type { Client } from "ssh2";
import type { PayloadMutant } from "./ssh-mutants.js";

/** How a connection ended: the server closed it (it refused what it read), or it still held it open when the client gave up. */
export interface RawOutcome {
  closedByServer: boolean;
  /** Bytes the server sent (its identification line, KEXINIT, a reply…). */
  received: number;
}

/**
 * Sends `pieces` one write at a time on a new connection to `port`, then waits until the server
 * closes it or has been quiet for `quietMs`, and closes it from this side.
 */
export function sendRaw(port: number, pieces: readonly Buffer[], quietMs: number): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let received = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ closedByServer, received });
    };
    const quiet = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), quietMs);
    };
    socket.on("data", (d: Buffer) => {
      received += d.length;
      quiet();
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.once("connect", () => {
      void (async () => {
        for (const piece of pieces) {
          if (done || socket.destroyed) return;
          socket.write(piece);
          await new Promise((r) => setImmediate(r));
        }
        quiet();
      })();
    });
  });
}

/** ssh2's internal protocol object, as far as sending a payload of our own needs it. */
interface Protocol {
  _kexinit?: unknown;
  _queue?: Buffer[];
  _cipher: { encrypt(packet: Buffer): void };
  _packetRW: { write: { allocStart: number; alloc(length: number): Buffer; finalize(packet: Buffer): Buffer } };
}

/**
 * Sends `payload` as one message on ssh2 Client's connection, framed, padded and encrypted with the
 * agreed keys exactly as the client's own messages are (queued while a key exchange is under way).
 */
export function injectPayload(client: Client, payload: Buffer): void {
  const proto = (client as unknown as { _protocol: Protocol })._protocol;
  const writer = proto._packetRW.write;
  const packet = writer.alloc(payload.length);
  packet.set(payload, writer.allocStart);
  const finalized = writer.finalize(packet);
  if (proto._kexinit !== undefined) (proto._queue ??= []).push(finalized);
  else proto._cipher.encrypt(finalized);
}

export interface CarrierOutcome {
  /** Mutants sent while the connection was still open. */
  sent: number;
  closedByServer: boolean;
  /** Whether the carrier got as far as it meant to (key exchange, or login). */
  reached: boolean;
}

/**
 * Opens a carrier to `port`: `preauth` stops after the key exchange (its authentication handler never
 * answers), `postauth` logs in as `login` with `password`. Then sends up to `count` payloads from
 * `next(i)` one event-loop turn apart, stopping when the server closes the connection, waits `quietMs`,
 * and closes it.
 */
export function runCarrier(port: number, phase: "preauth" | "postauth", login: { username: string; password: string }, count: number, next: (i: number) => PayloadMutant, quietMs: number, onMutant: (m: PayloadMutant) => void): Promise<CarrierOutcome> {
  const client = new ssh2.Client();
  return new Promise((resolve) => {
    let closed = false;
    let sent = 0;
    let reached = false;
    let settle: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(settle);
      const closedByServer = closed;
      client.removeAllListeners("close");
      client.on("error", () => undefined);
      client.end();
      resolve({ sent, closedByServer, reached });
    };
    // Nothing the server sends back may stop the carrier: mutants are meant to be refused.
    client.on("error", () => undefined);
    client.on("close", () => {
      closed = true;
      if (!reached) finish();
    });
    const fire = (): void => {
      reached = true;
      void (async () => {
        for (let i = 0; i < count && !closed; i++) {
          const mutant = next(i);
          onMutant(mutant);
          try {
            injectPayload(client, mutant.payload);
          } catch {
            break;
          }
          sent++;
          await new Promise((r) => setImmediate(r));
        }
        settle = setTimeout(finish, quietMs);
      })();
    };
    if (phase === "preauth") client.once("handshake", fire);
    else client.once("ready", fire);
    client.connect({
      host: "127.0.0.1",
      port,
      username: login.username,
      readyTimeout: 20_000,
      ...(phase === "postauth" ? { password: login.password } : { authHandler: () => undefined }),
    });
  });
}
