import type { ClientChannel, ServerChannel } from "ssh2";
import type { ShellAction } from "../../engine/actions/shell/types.js";
import type { ShellResult } from "../../engine/actions/types.js";
import { messageOf } from "../../engine/errors.js";
import { meterOf } from "../gate/byte-meter.js";
import { holdOn, resultEvent, type ChannelSession, type ChannelState } from "./channel-relay.js";
import { refusalMessage } from "./refusal-messages.js";

/** Programs that take over the screen: command mode cannot decide what is typed into them, so it refuses them. */
const FULL_SCREEN = new Set(["vi", "vim", "nvim", "view", "nano", "pico", "emacs", "less", "more", "most", "man", "top", "htop", "btop", "watch", "tmux", "screen", "mc", "ranger", "tig", "mutt", "bash", "sh", "dash", "zsh", "fish", "ksh", "python", "python3", "node", "irb", "psql", "mysql", "sqlite3", "ssh", "telnet", "ftp", "sftp"]);

/** The most characters a line may hold: a paste beyond it is cut off, with a bell. */
const MAX_LINE = 16 * 1024;

/**
 * Command mode: the gateway's own prompt and line editor in an interactive session, so the policy
 * decides each line instead of the whole session. A finished line is one shell request, decided and
 * audited as an exec is, and runs on the target as its own exec (with the session's pty) in the
 * session's working directory, which `cd` lines move. While it runs, what the client types goes to
 * it (Ctrl-C interrupts it on the target). Full-screen programs and nested shells are refused: what is
 * typed into them could not be decided. `exit`, `logout` or Ctrl-D on an empty line ends the session.
 *
 * The editor keeps to what a decided line needs: printable text, backspace, Ctrl-U, Ctrl-C, Enter;
 * cursor keys and other escape sequences are ignored rather than guessed at, so the line the policy
 * sees is exactly the line shown.
 */
export function runCommandMode(session: ChannelSession, channel: ServerChannel, state: ChannelState): void {
  const echo = state.pty !== undefined;
  const newline = echo ? "\r\n" : "\n";
  const target = session.gate.caller.target.name;
  /** The working directory on the target: `~` (the login's home) until a `cd` moves it. */
  let cwd = "~";
  let line = "";
  let escape: "none" | "esc" | "csi" = "none";
  let running: ClientChannel | undefined;
  let busy = false;
  let ended = false;
  /** The client sent EOF (a script without a pty has ended): the session ends once its lines have run. */
  let eof = false;
  /** Input that came after a finished line (a paste, a script without a pty): read once the line has run. */
  const typeahead: Buffer[] = [];

  const write = (text: string): void => {
    if (!ended) channel.write(text);
  };
  const prompt = (): void => write(`${target}:${cwd}$ `);
  const end = (status: number): void => {
    if (ended) return;
    ended = true;
    channel.exit(status);
    channel.end();
  };

  const submit = async (text: string): Promise<void> => {
    const trimmed = text.trim();
    if (trimmed === "") return prompt();
    if (trimmed === "exit" || trimmed === "logout") return end(0);
    busy = true;
    try {
      await runLine(trimmed);
    } catch (error) {
      write(`Portcullis could not run the command: ${messageOf(error)}${newline}`);
    }
    busy = false;
    running = undefined;
    if (ended) return;
    prompt();
    const next = Buffer.concat(typeahead.splice(0));
    if (next.length > 0) feed(next);
    if (eof && !busy) end(0);
  };

  const runLine = async (text: string): Promise<void> => {
    const started = process.hrtime.bigint();
    const outcome = await session.gate.decide({ kind: "shell", text }, { hold: holdOn(channel, session.closed) });
    if (!outcome.ok) {
      const message = refusalMessage(outcome.refusal).replace(/\n/g, newline);
      write(message);
      if (outcome.requestId !== undefined) session.record(resultEvent(session, outcome.requestId, { error: { code: "1", message: message.trim() } }, started));
      return;
    }
    const action = outcome.verdict.action as ShellAction;
    const screen = action.commands.find((c) => FULL_SCREEN.has(c.program));
    if (screen) {
      const message = `Portcullis: ${screen.program} takes over the terminal, which command mode cannot decide; run it in a raw session (ssh -t to a target with interactive: raw) if the policy allows one${newline}`;
      write(message);
      session.record(resultEvent(session, outcome.requestId, { error: { code: "1", message: message.trim() } }, started));
      return;
    }
    const moves = action.commands.length === 1 && action.commands[0]!.program === "cd";
    // What runs is the decided line, after a cd into the session's directory (which only moves there).
    const command = `cd ${cwd === "~" ? "~" : quote(cwd)} && ${text}${moves ? " && pwd" : ""}`;
    const client = await session.upstream();
    const upstream = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(command, moves || !state.pty ? {} : { pty: state.pty }, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
    running = upstream;
    state.upstream = upstream;
    // Without a pty the session is a script: its lines are commands, never a command's input.
    if (!echo || moves) upstream.end();
    const result: ShellResult = { kind: "shell", exit_status: null, stdout_bytes: 0, stderr_bytes: 0 };
    let captured = "";
    // The decision's bytes per window: the line's output is cut where they end, the line then fails
    // with the reason (the session stays, and its next lines are refused until the window resets).
    const meter = meterOf(outcome);
    const metered = (chunk: Buffer): Buffer => {
      if (!meter) return chunk;
      const allowed = meter.pass(chunk);
      if (meter.cut && running === upstream) {
        running = undefined;
        upstream.close();
      }
      return allowed;
    };
    upstream.on("data", (chunk: Buffer) => {
      result.stdout_bytes += chunk.length;
      if (moves) captured += chunk.toString("utf8");
      else {
        const shown = metered(chunk);
        channel.write(shown);
        if (echo && shown.length > 0) session.record({ type: "terminal", session_id: session.gate.caller.session.id, request_id: outcome.requestId, event: "output", data: shown });
      }
    });
    upstream.stderr.on("data", (chunk: Buffer) => {
      result.stderr_bytes += chunk.length;
      const shown = metered(chunk);
      channel.write(echo ? shown.toString("utf8").replace(/(?<!\r)\n/g, "\r\n") : shown);
    });
    upstream.on("exit", (code: number | null, signal?: string) => {
      if (typeof code === "number") result.exit_status = code;
      else if (signal) result.signal = signal;
    });
    await new Promise<void>((resolve) => upstream.once("close", () => resolve()));
    if (moves && result.exit_status === 0) {
      const lines = captured.trim().split("\n");
      const next = lines.at(-1)?.trim();
      if (next?.startsWith("/")) cwd = next;
    }
    if (meter?.cut) {
      const message = meter.message();
      write(`${newline}${message}${newline}`);
      session.record(resultEvent(session, outcome.requestId, { error: { code: "1", message } }, started));
      return;
    }
    session.record(resultEvent(session, outcome.requestId, result, started));
  };

  const feed = (chunk: Buffer): void => {
    for (let i = 0; i < chunk.length; i++) {
      if (ended) return;
      if (busy) {
        typeahead.push(chunk.subarray(i));
        return;
      }
      const byte = chunk[i]!;
      if (escape === "esc") {
        escape = byte === 0x5b || byte === 0x4f ? "csi" : "none";
        continue;
      }
      if (escape === "csi") {
        if (byte >= 0x40 && byte <= 0x7e) escape = "none";
        continue;
      }
      switch (byte) {
        case 0x1b:
          escape = "esc";
          break;
        case 0x0d:
        case 0x0a: {
          const text = Buffer.from(line, "latin1").toString("utf8");
          line = "";
          if (echo) write("\r\n");
          void submit(text);
          break;
        }
        case 0x7f:
        case 0x08:
          if (line.length > 0) {
            // Whole UTF-8 characters: drop continuation bytes with their lead byte.
            let cut = line.length - 1;
            while (cut > 0 && (line.charCodeAt(cut) & 0xc0) === 0x80) cut -= 1;
            line = line.slice(0, cut);
            if (echo) write("\b \b");
          }
          break;
        case 0x15:
          if (echo) write("\b \b".repeat([...Buffer.from(line, "latin1").toString("utf8")].length));
          line = "";
          break;
        case 0x03:
          line = "";
          write(`^C${newline}`);
          prompt();
          break;
        case 0x04:
          if (line === "") end(0);
          break;
        default:
          if (byte < 0x20) break;
          if (line.length >= MAX_LINE) {
            write("\u0007");
            break;
          }
          line += String.fromCharCode(byte);
          if (echo) channel.write(Buffer.from([byte]));
      }
    }
  };
  channel.on("data", (chunk: Buffer) => {
    // What is typed while a line runs goes to it on a terminal (its pty turns Ctrl-C into SIGINT on
    // the target); without one it waits its turn as the next lines.
    if (busy && echo) running?.write(chunk);
    else if (busy) typeahead.push(chunk);
    else feed(chunk);
  });
  channel.once("end", () => {
    eof = true;
    if (!busy) end(0);
  });
  channel.once("close", () => {
    ended = true;
    running?.close();
  });
  write(`Portcullis command mode on ${target}: each line is decided before it runs. exit or Ctrl-D ends the session.${newline}`);
  prompt();
}

/** `text` as one single-quoted shell word. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
