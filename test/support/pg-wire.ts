import { connect, type Socket } from "node:net";
import { serialize } from "pg-protocol";

/**
 * A PostgreSQL client at the byte level, for what real drivers never send (malformed frames, odd
 * orders) and for looking at exactly what a client receives. Backend messages are split by their
 * length only, so any byte stream can be inspected, even one that ends mid-message.
 */

export interface BackendMessage {
  type: string;
  body: Buffer;
}

export interface ServerError {
  severity: string;
  code: string;
  message: string;
}

/** The complete backend messages in `bytes` from offset `from`; a trailing partial message is left out. */
export function splitMessages(bytes: Buffer, from = 0): BackendMessage[] {
  const out: BackendMessage[] = [];
  let at = from;
  while (at + 5 <= bytes.length) {
    const length = bytes.readInt32BE(at + 1);
    if (length < 4 || at + 1 + length > bytes.length) break;
    out.push({ type: String.fromCharCode(bytes[at]!), body: bytes.subarray(at + 5, at + 1 + length) });
    at += 1 + length;
  }
  return out;
}

/** The fields of an ErrorResponse/NoticeResponse body that tests look at. */
export function errorOf(body: Buffer): ServerError {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    if (end < 0) break;
    fields[String.fromCharCode(body[at]!)] = body.toString("utf8", at + 1, end);
    at = end + 1;
  }
  return { severity: fields.V ?? fields.S ?? "", code: fields.C ?? "", message: fields.M ?? "" };
}

export function errorsIn(messages: BackendMessage[]): ServerError[] {
  return messages.filter((m) => m.type === "E").map((m) => errorOf(m.body));
}

/** A typed frontend message: type byte, int32 length, body. */
/** The first column of each DataRow, as text (one-column results). */
export function firstColumns(messages: BackendMessage[]): string[] {
  return messages.filter((m) => m.type === "D").map((m) => m.body.toString("utf8", 6));
}

export function frontendMessage(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** A StartupMessage for protocol 3.0 with the given parameters. */
export function startupMessage(parameters: Record<string, string>): Buffer {
  return serialize.startup(parameters);
}

export function passwordMessage(password: string): Buffer {
  return serialize.password(password);
}

export function queryMessage(sql: string): Buffer {
  return serialize.query(sql);
}

/** An SSLRequest, GSSENCRequest or CancelRequest: untyped, length then a request code. */
export function requestCode(code: number, ...extra: number[]): Buffer {
  const out = Buffer.alloc(8 + 4 * extra.length);
  out.writeInt32BE(out.length, 0);
  out.writeInt32BE(code, 4);
  extra.forEach((v, i) => out.writeInt32BE(v, 8 + 4 * i));
  return out;
}

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

/** One raw connection: everything received is kept, in order, for the test to inspect. */
export class WireClient {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  private joined: Buffer | undefined;
  private checks = new Set<() => void>();
  private isClosed = false;
  /** Resolves once the connection is fully closed (by either side). */
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.joined = undefined;
      this.recheck();
    });
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.isClosed = true;
        this.recheck();
        resolve();
      }),
    );
  }

  static open(port: number, host = "127.0.0.1"): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.removeListener("error", reject);
        resolve(new WireClient(socket));
      });
    });
  }

  get bytes(): Buffer {
    this.joined ??= Buffer.concat(this.chunks);
    return this.joined;
  }

  get hasClosed(): boolean {
    return this.isClosed;
  }

  messages(from = 0): BackendMessage[] {
    return splitMessages(this.bytes, from);
  }

  errors(from = 0): ServerError[] {
    return errorsIn(this.messages(from));
  }

  send(...buffers: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers));
  }

  /** Waits until `check()` holds (re-checked on every chunk and on close); rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs = 5000, what = "the expected answer"): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const probe = (): void => {
        if (!check()) {
          if (this.isClosed) finish(new Error(`connection closed before ${what}; received ${JSON.stringify(this.bytes.toString("latin1").slice(0, 300))}`));
          return;
        }
        finish(undefined);
      };
      const finish = (error: Error | undefined): void => {
        clearTimeout(timer);
        this.checks.delete(probe);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.checks.add(probe);
    });
  }

  /** Waits for a backend message of `type` at or after message index `after`. */
  async next(type: string, after = 0, timeoutMs = 5000): Promise<BackendMessage> {
    await this.until(() => this.messages().slice(after).some((m) => m.type === type), timeoutMs, `a ${JSON.stringify(type)} message`);
    return this.messages().slice(after).find((m) => m.type === type)!;
  }

  /**
   * Sends `buffers` and returns the messages that answer them: everything up to the `ready`-th
   * ReadyForQuery after the send (one per Query or Sync sent).
   */
  async exchange(ready: number, ...buffers: Buffer[]): Promise<BackendMessage[]> {
    const from = this.bytes.length;
    this.send(...buffers);
    const answered = (): boolean => this.messages(from).filter((m) => m.type === "Z").length >= ready;
    await this.until(answered, 10_000, `${ready} ReadyForQuery`);
    const out: BackendMessage[] = [];
    let seen = 0;
    for (const m of this.messages(from)) {
      out.push(m);
      if (m.type === "Z" && ++seen === ready) break;
    }
    return out;
  }

  /** Waits for the peer to close the connection; rejects after `timeoutMs`. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return this.until(() => this.isClosed, timeoutMs, "the connection to close").catch((error: unknown) => {
      if (this.isClosed) return;
      throw error;
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private recheck(): void {
    for (const check of [...this.checks]) check();
  }
}

export interface WireLogin {
  user: string;
  database: string;
  password: string;
}

/** Connects, logs in with a cleartext password and waits for the first ReadyForQuery. */
export async function wireLogin(port: number, login: WireLogin): Promise<WireClient> {
  const client = await WireClient.open(port);
  client.send(startupMessage({ user: login.user, database: login.database }));
  await client.next("R");
  client.send(passwordMessage(login.password));
  await client.next("Z");
  return client;
}
