import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { Running } from "./run.js";

/** A unique line to look for in a stream. */
export function marker(): string {
  return `m-${randomBytes(6).toString("hex")}`;
}

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Waits for a running `kubectl port-forward … :PORT` to listen, sends a marker through the local port
 * and answers what came back (the cluster's pod ports are an echo server).
 */
export async function echoThroughPortForward(forward: Running): Promise<{ sent: string; echoed: string }> {
  await until("port-forward to listen", () => /Forwarding from 127\.0\.0\.1:\d+/.test(forward.stdout()));
  const port = Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(forward.stdout())![1]);
  const sent = marker();
  const echoed = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(sent));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no echo; kubectl said: ${forward.stderr()}`));
    }, 10_000);
    let got = "";
    socket.setEncoding("utf8").on("data", (d: string) => {
      got += d;
      if (got.length >= sent.length) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got);
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return { sent, echoed };
}
