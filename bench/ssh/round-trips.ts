import type { GatewayReady } from "./gateway-child.js";
import { PATHS, sshCommand } from "./openssh.js";
import { Rounds, targetShellMs } from "./samples.js";

export const TARGET_SHELL = "target shell";

/**
 * `ssh HOST true` (a whole connection: TCP, key exchange, authentication, exec, exit) on every path,
 * and the target's shell startup on its own, in rounds until `seconds` have passed: a shared
 * machine's load drifts, and interleaving spreads the drift over all paths alike.
 */
export async function benchRoundTrips(g: GatewayReady, seconds: number): Promise<Rounds> {
  const rounds = new Rounds();
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    for (const path of PATHS) {
      const r = await sshCommand(path, g, "true");
      rounds.add(path, r.seconds * 1000, r.code === 0 ? undefined : `exit ${r.code}: ${r.stderr.trim()}`);
    }
    const shell = await targetShellMs();
    rounds.add(TARGET_SHELL, shell.ms, shell.failure);
  }
  return rounds;
}
