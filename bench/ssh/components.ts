/**
 * The parts of a round trip that do not involve the target's shell, timed with ssh2's Client in this
 * process, in interleaved rounds: a connection and login straight to sshd (what the gateway itself
 * does upstream, with the same library), a connection and login to the gateway, and a request the
 * gateway decides and refuses on an open connection (decision, audit record, refusal; nothing
 * reaches the target).
 */
import type { Client } from "ssh2";
import type { GatewayReady } from "./gateway-child.js";
import { connectClient } from "./exec-channels.js";
import { Rounds } from "./samples.js";

export const LOGIN_DIRECT = "login, direct";
export const LOGIN_GATEWAY = "login, gateway";
export const REFUSED_EXEC = "refused exec";

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** An exec the default policy denies (`cat /etc/shadow`): resolves with its exit status once the channel closes. */
function refusedExec(client: Client): Promise<number | null> {
  return new Promise((resolve, reject) => {
    client.exec("cat /etc/shadow", (error, channel) => {
      if (error) return reject(error);
      let code: number | null = null;
      channel.resume();
      channel.stderr.resume();
      channel.on("exit", (c: number | null) => (code = c));
      channel.once("close", () => resolve(code));
    });
  });
}

export async function benchComponents(g: GatewayReady, rounds: number): Promise<Rounds> {
  const samples = new Rounds();
  const open = await connectClient("gateway", g);
  try {
    for (let i = 0; i < rounds; i++) {
      for (const [name, path] of [[LOGIN_DIRECT, "direct"], [LOGIN_GATEWAY, "gateway"]] as const) {
        const r = await timed(() => connectClient(path, g));
        r.value.end();
        samples.add(name, r.ms);
      }
      const refused = await timed(() => refusedExec(open));
      samples.add(REFUSED_EXEC, refused.ms, refused.value === 1 ? undefined : `exit ${refused.value}`);
    }
  } finally {
    open.end();
  }
  return samples;
}
