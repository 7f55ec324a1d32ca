import { createHash } from "node:crypto";
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { serialize } from "pg-protocol";
import { Parser } from "pg-protocol/dist/parser.js";
import type { BackendMessage } from "pg-protocol/dist/messages.js";
import { ScramClient } from "./scram.js";
import type { PostgresTarget } from "./target.js";
import { CodedError, messageOf } from "../../../engine/errors.js";

export interface UpstreamConnection {
  socket: Socket;
  /** ParameterStatus values the server reported during startup, in order. */
  parameters: Array<[string, string]>;
  processId: number;
  secretKey: number;
  /** Transaction status from the first ReadyForQuery. */
  status: string;
}

/** Why the gateway could not reach or log in to a target. The message is safe to show a client. */
/** The target could not be reached or refused the gateway; `sqlstate` is what its client is told (the server's own code when it sent one). */
export class UpstreamError extends CodedError<"TARGET_UNAVAILABLE"> {
  readonly sqlstate: string;
  constructor(message: string, sqlstate = "08006") {
    super("TARGET_UNAVAILABLE", message);
    this.sqlstate = sqlstate;
  }
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens an authenticated session on a target with the gateway's own credentials. `startup` carries
 * the client's harmless startup parameters (application_name, client_encoding…); user, database and
 * the password always come from the target.
 */
export async function connectUpstream(target: PostgresTarget, startup: Record<string, string>): Promise<UpstreamConnection> {
  const timeoutMs = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let socket = await openSocket(target, timeoutMs);
  try {
    if (target.tls !== "disable") socket = await negotiateTls(socket, target, timeoutMs);
    return await login(socket, target, startup, timeoutMs);
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

function openSocket(target: PostgresTarget, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: target.host, port: target.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new UpstreamError(`target ${target.name} did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new UpstreamError(`target ${target.name} is unreachable (${error.code ?? error.message})`));
    });
  });
}

function negotiateTls(socket: Socket, target: PostgresTarget, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new UpstreamError(`target ${target.name} did not answer the TLS request`)), timeoutMs);
    socket.once("data", (answer) => {
      clearTimeout(timer);
      if (answer[0] === 0x4e) {
        if (target.tls === "prefer") return resolve(socket);
        return reject(new UpstreamError(`target ${target.name} does not offer TLS, which its configuration requires`));
      }
      if (answer[0] !== 0x53 || answer.length !== 1) return reject(new UpstreamError(`target ${target.name} answered the TLS request with garbage`));
      const options: ConnectionOptions = { socket, rejectUnauthorized: target.tls === "verify-full" };
      if (target.tls === "verify-full") options.servername = target.host;
      if (target.ca) options.ca = target.ca;
      const secure = tlsConnect(options);
      secure.once("secureConnect", () => {
        secure.removeAllListeners("error");
        resolve(secure);
      });
      secure.once("error", (error) => reject(new UpstreamError(`TLS to target ${target.name} failed: ${error.message}`)));
    });
    socket.once("error", (error) => reject(new UpstreamError(`target ${target.name} failed during TLS negotiation: ${error.message}`)));
    socket.write(serialize.requestSsl());
  });
}

type Message = BackendMessage & Record<string, unknown>;

function login(socket: Socket, target: PostgresTarget, startup: Record<string, string>, timeoutMs: number): Promise<UpstreamConnection> {
  return new Promise((resolve, reject) => {
    const parser = new Parser();
    const parameters: Array<[string, string]> = [];
    let processId = 0;
    let secretKey = 0;
    let scram: ScramClient | undefined;
    let settled = false;

    const finish = (error: Error | undefined, status?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener("data", onData);
      socket.removeListener("error", onError);
      socket.removeListener("close", onClose);
      if (error) reject(error);
      else resolve({ socket, parameters, processId, secretKey, status: status ?? "I" });
    };
    const timer = setTimeout(() => finish(new UpstreamError(`target ${target.name} did not complete login within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: unknown): void => finish(error instanceof UpstreamError ? error : new UpstreamError(`login to target ${target.name} failed: ${messageOf(error)}`));

    const handle = async (message: Message): Promise<void> => {
      switch (message.name) {
        case "authenticationCleartextPassword":
          socket.write(serialize.password(target.password));
          return;
        case "authenticationMD5Password": {
          const inner = createHash("md5").update(target.password + target.user).digest("hex");
          const salted = createHash("md5").update(inner).update(message.salt as Buffer).digest("hex");
          socket.write(serialize.password(`md5${salted}`));
          return;
        }
        case "authenticationSASL":
          scram = new ScramClient(message.mechanisms as string[], target.password);
          socket.write(serialize.sendSASLInitialResponseMessage(scram.mechanism, scram.initialResponse));
          return;
        case "authenticationSASLContinue":
          if (!scram) throw new UpstreamError("target sent SASL data before starting SASL");
          socket.write(serialize.sendSCRAMClientFinalMessage(await scram.respond(String(message.data))));
          return;
        case "authenticationSASLFinal":
          if (!scram) throw new UpstreamError("target sent SASL data before starting SASL");
          scram.finish(String(message.data));
          return;
        case "authenticationOk":
        case "notice":
          return;
        case "parameterStatus":
          parameters.push([String(message.parameterName), String(message.parameterValue)]);
          return;
        case "backendKeyData":
          processId = Number(message.processID);
          secretKey = Number(message.secretKey);
          return;
        case "readyForQuery":
          finish(undefined, String(message.status));
          return;
        case "error": {
          // The server's own words, e.g. "password authentication failed for user x". A server (or a
          // pooler in between) that asked for the password in clear text could quote it: take it out.
          const code = typeof message.code === "string" ? message.code : "08006";
          const said = target.password ? String(message.message).replaceAll(target.password, "[password]") : String(message.message);
          throw new UpstreamError(`target ${target.name} refused the gateway's login: ${said}`, code.startsWith("28") ? "08006" : code);
        }
        default:
          throw new UpstreamError(`target ${target.name} sent an unexpected ${message.name} during login`);
      }
    };

    // Messages are handled strictly in order, even across the asynchronous SCRAM step.
    let chain: Promise<void> = Promise.resolve();
    const onData = (chunk: Buffer): void => {
      parser.parse(chunk, (message) => {
        chain = chain.then(() => (settled ? undefined : handle(message as Message))).catch(fail);
      });
    };
    const onError = (error: Error): void => fail(new UpstreamError(`connection to target ${target.name} failed: ${error.message}`));
    const onClose = (): void => fail(new UpstreamError(`target ${target.name} closed the connection during login`));
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);

    const params: Record<string, string> = { ...startup, user: target.user, database: target.database };
    socket.write(serialize.startup(params));
  });
}
