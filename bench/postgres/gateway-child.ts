/**
 * The gateway under benchmark, as a process of its own: the default policy, real gateway tokens, and
 * the PostgreSQL listener on a free loopback port in front of one target. Its configuration (including
 * the target's password) arrives as JSON on stdin; it answers with one `READY {json}` line (port, a
 * token per bench identity), and on SIGTERM closes, prints `STATS {json}` and exits, which is also when
 * `node --cpu-prof` writes its profile.
 */
import { randomBytes } from "node:crypto";
import { Engine } from "../../engine/engine.js";
import { IdentityService } from "../../engine/identity/identity-service.js";
import { createMasker } from "../../engine/masking/index.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { createPostgresContext } from "../../proxy/gateway/postgres-context.js";
import { listenPostgres } from "../../proxy/postgres/server.js";
import type { PostgresTarget } from "../../proxy/postgres/upstream/target.js";
import { binaryToText } from "../../proxy/postgres/value-text.js";
import { BENCH_IDENTITIES, type BenchIdentity } from "./identities.js";
import { auditRecorder, countingRecorder } from "./recorders.js";

export interface GatewayChildConfig {
  target: PostgresTarget;
  /** Where the audit log goes; absent, events are only counted. */
  auditPath?: string;
  /** The audit log's durability (the gateway's default is `write`). */
  auditDurability?: "write" | "fsync";
  /** Where session recordings go (the gateway records every session by default); only with `auditPath`. */
  recordingsDir?: string;
}

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

async function main(): Promise<void> {
  const config = JSON.parse(await readStdin()) as GatewayChildConfig;
  const logs: string[] = [];
  const engine = await Engine.start({ dir: defaultPolicyDir });
  const identity = await IdentityService.create({ issuers: [] });
  const recording = config.recordingsDir ? { dir: config.recordingsDir, revision: () => engine.revision } : undefined;
  const recorder = config.auditPath ? await auditRecorder(config.auditPath, [config.target.password], config.target.tags, config.auditDurability ?? "write", recording) : countingRecorder();
  const context = createPostgresContext({
    engine,
    identity,
    masker: createMasker({ hashKey: randomBytes(32) }),
    targets: [config.target],
    record: (event) => recorder.record(event),
    log: (line) => logs.push(line),
  });
  const listener = await listenPostgres({ host: "127.0.0.1", port: 0, context, decode: binaryToText });
  const tokens: Partial<Record<BenchIdentity, string>> = {};
  for (const [name, who] of Object.entries(BENCH_IDENTITIES)) tokens[name as BenchIdentity] = (await identity.tokens.issue(who, { ttlSeconds: 3600 })).token;
  process.stdout.write(`READY ${JSON.stringify({ port: listener.port, tokens })}\n`);

  let stopping = false;
  process.on("SIGTERM", () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await listener.close();
      await context.close();
      await recorder.close();
      await engine.close();
      process.stdout.write(`STATS ${JSON.stringify({ events: recorder.stats(), log_lines: logs.length, first_logs: logs.slice(0, 5) })}\n`);
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  console.error(`gateway-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
