import type { Readable, Writable } from "node:stream";
import type { Client as SshClient, ClientChannel, PseudoTtyOptions, ServerChannel } from "ssh2";
import type { FileResult, RawRequest, ShellResult } from "../../engine/actions/types.js";
import { messageOf } from "../../engine/errors.js";
import type { RequestGate } from "../gate/request-gate.js";
import type { GateOutcome, HoldControl, SessionEvent } from "../gate/types.js";
import { meterOf, type ByteMeter } from "../gate/byte-meter.js";
import { meteredPipe } from "../gate/metered-pipe.js";
import { REFUSED_EXIT_STATUS, refusalMessage } from "./refusal-messages.js";

/** What a session channel needs from its SSH session. */
export interface ChannelSession {
  gate: RequestGate;
  /** The session's connection to the target, opened on first use and shared by its channels. */
  upstream(): Promise<SshClient>;
  record(event: SessionEvent): void;
  log(line: string): void;
  /** Aborted when the client's connection goes (a killed ssh never closes its channels). */
  closed: AbortSignal;
  /** What `ssh -t` opens on this target: the target's shell decided whole, or the gateway's command mode. */
  interactive: "raw" | "command";
  /** Told of each exec or shell stream the client opens, so the session can speak on it when it ends. */
  opened?(stream: ServerChannel): void;
}

/** What the client asked for on a session channel before its exec or shell: a terminal, variables. */
export interface ChannelState {
  /** The pty the client asked for (`ssh -t`), passed on to the target as it was asked. */
  pty?: PseudoTtyOptions & { term?: string };
  /** Variables the client sent (`SendEnv`, `SetEnv`): visible to the policy, passed on to the target. */
  env: Record<string, string>;
  /** The target's channel once the request runs, for window changes and signals. */
  upstream?: ClientChannel;
  /** The running request's number in the session, which its terminal events name. */
  requestId?: number;
}

/** The exit status ssh itself uses when the command could not be run at all (the target is down). */
export const UNREACHABLE_EXIT_STATUS = 255;

/**
 * Runs one request of a session channel (an exec's command, or an interactive shell): decided by the
 * gate first; refused with the reason on stderr and exit status 1 (the connection stays usable);
 * allowed, opened on the target by `open` and relayed both ways until the target ends it.
 */
export async function gateAndRelay(session: ChannelSession, channel: ServerChannel, state: ChannelState, request: RawRequest, open: (client: SshClient) => Promise<ClientChannel>): Promise<void> {
  const started = process.hrtime.bigint();
  let outcome: GateOutcome;
  try {
    outcome = await session.gate.decide(request, { hold: holdOn(channel, session.closed) });
  } catch (error) {
    outcome = { ok: false, refusal: { code: "unavailable", message: `the gateway could not decide: ${messageOf(error)}` } };
  }
  if (!outcome.ok) {
    const message = refusalMessage(outcome.refusal);
    if (outcome.requestId !== undefined) session.record(resultEvent(session, outcome.requestId, { error: { code: String(REFUSED_EXIT_STATUS), message: message.trim() } }, started));
    await finish(channel, message, REFUSED_EXIT_STATUS);
    return;
  }
  const { requestId } = outcome;
  let upstream: ClientChannel;
  try {
    upstream = await open(await session.upstream());
  } catch (error) {
    const message = `Portcullis could not run the command: ${messageOf(error)}\n`;
    session.log(`session ${session.gate.caller.session.id}: ${message.trim()}`);
    session.record(resultEvent(session, requestId, { error: { code: String(UNREACHABLE_EXIT_STATUS), message: message.trim() } }, started));
    await finish(channel, message, UNREACHABLE_EXIT_STATUS);
    return;
  }
  state.upstream = upstream;
  state.requestId = requestId;
  relay(session, channel, upstream, requestId, started, state.pty !== undefined, meterOf(outcome));
}

/**
 * Streams an allowed request's channel both ways (Node's pipe: a slow reader on either side slows the
 * writer) and ends the client's channel as the target's ended, with its exit status or signal. With
 * a terminal, what was typed and shown is recorded for replay (never read as policy). With a `meter`
 * (the decision's bytes per window), the output the client receives, stdout and stderr alike, is
 * counted as it passes and cut at the allowance: the target's channel is closed, the client is told
 * why on stderr and the command ends with exit status 1, audited as that error.
 */
function relay(session: ChannelSession, channel: ServerChannel, upstream: ClientChannel, requestId: number, started: bigint, terminal: boolean, meter?: ByteMeter): void {
  const result: ShellResult = { kind: "shell", exit_status: null, stdout_bytes: 0, stderr_bytes: 0 };
  const sessionId = session.gate.caller.session.id;
  upstream.on("data", (chunk: Buffer) => {
    result.stdout_bytes += chunk.length;
    if (terminal) session.record({ type: "terminal", session_id: sessionId, request_id: requestId, event: "output", data: chunk });
  });
  upstream.stderr.on("data", (chunk: Buffer) => {
    result.stderr_bytes += chunk.length;
    if (terminal) session.record({ type: "terminal", session_id: sessionId, request_id: requestId, event: "error", data: chunk });
  });
  if (terminal) channel.on("data", (chunk: Buffer) => session.record({ type: "terminal", session_id: sessionId, request_id: requestId, event: "input", data: chunk }));
  // The client's channel is ended only after the exit status is sent: ending it first would lose it.
  let ended = false;
  if (meter) {
    const cut = (): void => {
      if (ended) return;
      ended = true;
      upstream.close();
      const message = meter.message();
      session.record(resultEvent(session, requestId, { error: { code: String(REFUSED_EXIT_STATUS), message } }, started));
      void Promise.all([drained(channel), drained(channel.stderr)]).then(() => finish(channel, terminal ? `\r\n${message}\r\n` : `${message}\n`, REFUSED_EXIT_STATUS));
    };
    meteredPipe(upstream, channel, meter, cut);
    meteredPipe(upstream.stderr, channel.stderr, meter, cut);
  } else {
    upstream.pipe(channel, { end: false });
    upstream.stderr.pipe(channel.stderr, { end: false });
  }
  channel.pipe(upstream);
  let signal: { name: string; coreDumped: boolean; description: string } | undefined;
  upstream.on("exit", (code: number | null, name?: string, coreDumped?: boolean, description?: string) => {
    if (typeof code === "number") result.exit_status = code;
    else if (name) signal = { name, coreDumped: coreDumped ?? false, description: description ?? "" };
  });
  upstream.once("close", () => {
    // ssh2 reports the channel closed while its last output may still wait in the readable buffers:
    // the exit status follows that output, as it does on the target.
    void Promise.all([readToEnd(upstream), readToEnd(upstream.stderr)])
      .then(() => Promise.all([drained(channel), drained(channel.stderr)]))
      .then(() => {
        if (ended) return;
        ended = true;
        if (signal) {
          result.signal = signal.name;
          channel.exit(signal.name, signal.coreDumped, signal.description);
        } else {
          channel.exit(result.exit_status ?? UNREACHABLE_EXIT_STATUS);
        }
        channel.end();
        session.record(resultEvent(session, requestId, result, started));
      });
  });
  // The client went away (Ctrl-C, a dropped connection): the request's channel upstream goes too.
  channel.once("close", () => upstream.close());
}

/** Writes `message` on stderr and ends the channel with `status`. */
export async function finish(channel: ServerChannel, message: string, status: number): Promise<void> {
  channel.stderr.write(message);
  await drained(channel.stderr);
  channel.exit(status);
  channel.end();
}

/** Resolves once `stream` has given out all it read (its 'end'), or after a grace period if it never ends. */
function readToEnd(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    stream.once("end", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Resolves once what was written to `stream` has left its buffer (or the stream is gone), or after
 * `maxMs`: ssh2's channel can keep counting bytes as buffered after the client has read them all
 * (no window adjust comes once the reader is done), and a 'drain' that never comes must not hold
 * the exit status back. Output still buffered is not lost: end() is queued after it.
 */
function drained(stream: Writable, maxMs = 1000): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    stream.once("drain", done);
    stream.once("close", done);
  });
}

/** A request held for approval tells the client on stderr; closing the channel or the connection (Ctrl-C) withdraws it. */
export function holdOn(channel: ServerChannel, closed: AbortSignal): () => HoldControl {
  return () => {
    const abort = new AbortController();
    channel.once("close", () => abort.abort());
    return { notify: (message) => channel.stderr.write(`${message}\r\n`), signal: AbortSignal.any([abort.signal, closed]) };
  };
}

/** What a request of this session ended with, timed from `started` (when it arrived). */
export function resultEvent(session: ChannelSession, requestId: number, result: ShellResult | FileResult | { error: { code: string; message: string } }, started: bigint): SessionEvent {
  const duration_us = Number((process.hrtime.bigint() - started) / 1000n);
  return { type: "result", session_id: session.gate.caller.session.id, request_id: requestId, result, duration_us };
}
