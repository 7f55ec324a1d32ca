import type { Client as SshClient, ClientChannel, ServerChannel, Session, SFTPWrapper } from "ssh2";
import type { RawRequest } from "../../engine/actions/types.js";
import { messageOf } from "../../engine/errors.js";
import { visibleName } from "../postgres/login-name.js";
import { finish, gateAndRelay, type ChannelSession, type ChannelState } from "./channel-relay.js";
import { REFUSED_EXIT_STATUS, unsupportedMessage } from "./refusal-messages.js";
import { runCommandMode } from "./command-mode.js";
import { proxySftp } from "./sftp-proxy.js";

/** At most this many variables per channel, each a portable name with a value of at most 4 KiB. */
const MAX_ENV = 64;
const MAX_ENV_VALUE = 4096;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function withEnv(env: Record<string, string>): { env?: Record<string, string> } {
  return Object.keys(env).length > 0 ? { env } : {};
}

/**
 * One session channel: the requests a client makes before it runs something (a pty, window sizes,
 * signals), then the one thing it runs. An `exec` is one shell request with its command; a `shell`
 * is an interactive request decided as a whole (what is typed into a raw pty cannot be decided line
 * by line: it is recorded for replay, never read as policy); the sftp subsystem is decided operation
 * by operation (sftp-proxy.ts). Variables the client sends are part of the request the policy
 * sees. Agent and X11 forwarding and other subsystems are refused.
 */
export function serveSessionChannel(session: ChannelSession, channel: Session, started: Promise<boolean>): void {
  const state: ChannelState = { env: {} };
  channel.on("pty", (accept, _reject, info) => {
    state.pty = { term: info.term, cols: info.cols, rows: info.rows, width: info.width, height: info.height, modes: info.modes };
    accept?.();
  });
  channel.on("window-change", (accept, _reject, info) => {
    if (state.pty) Object.assign(state.pty, { cols: info.cols, rows: info.rows, width: info.width, height: info.height });
    state.upstream?.setWindow(info.rows, info.cols, info.height, info.width);
    if (state.requestId !== undefined) session.record({ type: "terminal", session_id: session.gate.caller.session.id, request_id: state.requestId, event: "resize", size: { cols: info.cols, rows: info.rows } });
    accept?.();
  });
  channel.on("signal", (accept, _reject, info) => {
    state.upstream?.signal(info.name);
    accept?.();
  });
  channel.on("env", (accept, reject, info) => {
    // Kept (a bounded number, sane names) for the request that runs next: the policy sees them as
    // action.env, and the target gets them only once that request is allowed.
    if (Object.keys(state.env).length >= MAX_ENV || !ENV_NAME.test(info.key) || info.val.length > MAX_ENV_VALUE) return reject?.();
    state.env[info.key] = info.val;
    accept?.();
  });
  channel.on("auth-agent", (_accept, reject) => reject?.());
  channel.on("x11", (_accept, reject) => reject?.());
  // ssh2's accept() gives nothing for a second exec, shell or subsystem on a channel that already has
  // one (or is closing): such a request is ignored, as it cannot be answered on that channel.
  const run = (stream: ServerChannel | undefined, request: RawRequest, open: (client: SshClient) => Promise<ClientChannel>): void => {
    if (!stream || ran) return;
    ran = true;
    session.opened?.(stream);
    started
      .then((ok) => (ok ? gateAndRelay(session, stream, state, request, open) : undefined))
      .catch((error: unknown) => {
        session.log(`session ${session.gate.caller.session.id}: ${messageOf(error)}`);
        stream.destroy();
      });
  };
  let ran = false;
  channel.on("exec", (accept, _reject, info) => {
    const pty = state.pty;
    const env = { ...state.env };
    run(accept(), { kind: "shell", text: info.command, ...withEnv(env) }, (client) =>
      new Promise((resolve, reject) => client.exec(info.command, { ...(pty ? { pty } : {}), ...withEnv(env) }, (error, opened) => (error ? reject(error) : resolve(opened)))),
    );
  });
  channel.on("shell", (accept) => {
    if (session.interactive === "command") {
      const stream = accept();
      if (!stream || ran) return;
      ran = true;
      started
        .then((ok) => (ok ? runCommandMode(session, stream, state) : stream.destroy()))
        .catch((error: unknown) => {
          session.log(`session ${session.gate.caller.session.id}: ${messageOf(error)}`);
          stream.destroy();
        });
      return;
    }
    const pty = state.pty;
    const env = { ...state.env };
    run(accept(), { kind: "shell", text: "", interactive: true, ...withEnv(env) }, (client) =>
      new Promise((resolve, reject) => client.shell(pty ?? false, withEnv(env), (error, opened) => (error ? reject(error) : resolve(opened)))),
    );
  });
  channel.on("sftp", (accept) => {
    const sftp = accept();
    if (!sftp || ran) return;
    ran = true;
    const opening = started.then(async (ok) => {
      if (!ok) throw new Error("the session did not start");
      const client = await session.upstream();
      return new Promise<SFTPWrapper>((resolve, reject) => client.sftp((error, opened) => (error ? reject(error) : resolve(opened))));
    });
    proxySftp(session, sftp, opening);
  });
  channel.on("subsystem", (accept, _reject, info) => {
    const stream = accept();
    if (!stream || ran) return;
    ran = true;
    finish(stream, unsupportedMessage(`the ${visibleName(info.name, 64)} subsystem`), REFUSED_EXIT_STATUS).catch(() => stream.destroy());
  });
}
