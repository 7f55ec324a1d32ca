import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApprovalService } from "../../engine/approvals/approval-service.js";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import { fileSource } from "../../engine/audit/file-store.js";
import { resolveConfig } from "../../engine/config/load.js";
import type { GatewayConfig } from "../../engine/config/types.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { Identity, Target, Actor } from "../../engine/policy/types.js";
import { FileRecordingStore } from "../../engine/recording/file-store.js";
import { createConsole, type WebConsole } from "../../proxy/console/console.js";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { DEMO_SCHEMA } from "../support/pg-gateway.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { startTlsFront } from "./tls-front.js";

/**
 * The whole console on real parts: the demo OpenID provider (its real sign-in pages), a throwaway
 * PostgreSQL with the demo tables behind the real gateway (target `demo`, env=prod, a copy of the
 * default policy, its approval service), and the console mounted on the gateway's HTTP listener.
 */
export interface ConsoleUnderTest {
  idp: RunningIdentityProvider;
  pg: RunningPostgres;
  gateway: RunningGateway;
  config: GatewayConfig;
  /** A copy of the default policy the gateway serves: tests may break it and reload. */
  policyDir: string;
  approvals: ApprovalService;
  console: WebConsole;
  /** Where people reach the console: the gateway's HTTP listener (http://127.0.0.1:41234), or the TLS front's https URL. */
  url: string;
  target: Target;
  /** The identity the gateway sees for a demo user (what their tokens carry). */
  identityOf(username: string): Identity;
  /** Environment for psql through the gateway as a demo user, with a fresh gateway token. */
  psqlEnv(username: string): Promise<NodeJS.ProcessEnv>;
  /** Opens a pending approval request for `sql` as the policy decides it for `username`. */
  requestApproval(username: string, sql: string, mode?: "hold" | "ticket", actors?: Actor[]): Promise<ApprovalRequest>;
  stop(): Promise<void>;
}

export interface ConsoleUnderTestOptions {
  /** Serve the console over TLS: a TLS-terminating front (tls-front.ts) before the gateway's HTTP listener is its public URL. */
  tls?: boolean;
}

export async function startConsoleUnderTest(options: ConsoleUnderTestOptions = {}): Promise<ConsoleUnderTest> {
  const logs: string[] = [];
  const log = (line: string): void => void logs.push(line);
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    // A teardown step that never ends (a connection a server waits for) is reported and passed over,
    // so the servers after it still stop and the test file ends.
    for (const [i, s] of stops.reverse().entries()) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          process.stderr.write(`console harness: teardown step ${i} did not finish in 15 s\n`);
          resolve();
        }, 15_000);
      });
      await Promise.race([s().catch(() => undefined), late]);
      clearTimeout(timer);
    }
  };
  try {
    const idp = await startIdentityProvider({ log });
    stops.push(() => idp.close());
    const password = randomBytes(12).toString("hex");
    const pg = await startPostgres({ users: [{ name: "gateway", password }], initSql: DEMO_SCHEMA });
    stops.push(() => pg.stop());
    const state = mkdtempSync(join(tmpdir(), "portcullis-console-"));
    stops.push(async () => rmSync(state, { recursive: true, force: true }));
    const policyDir = join(state, "policies");
    cpSync(defaultPolicyDir, policyDir, { recursive: true });
    const config = resolveConfig(
      {
        state_dir: state,
        listen: { http: "127.0.0.1:0", postgres: "127.0.0.1:0" },
        policy: { dir: policyDir, watch: false },
        identity: {
          // People's id tokens: for the CLI's client and for the console's.
          issuers: [{ name: "demo", issuer: idp.issuer, audience: [idp.humanClientId, idp.consoleClient.id], kind: "human", groups_claim: "groups" }],
        },
        postgres: { targets: [{ name: "demo", tags: { env: "prod" }, host: pg.host, port: pg.port, database: pg.database, user: "gateway", password, tls: "disable" }] },
      },
      state,
    );
    const gateway = await startGateway(config, log);
    stops.push(() => gateway.close());
    const approvals = gateway.approvals;
    let publicUrl = gateway.http.url;
    if (options.tls) {
      const front = await startTlsFront(gateway.http.url);
      stops.push(() => front.close());
      publicUrl = front.url;
    }
    const webConsole = createConsole({
      publicUrl,
      client: { issuer: idp.issuer, clientId: idp.consoleClient.id, clientSecret: idp.consoleClient.secret },
      identity: gateway.identity,
      policy: gateway.engine.policy,
      audit: fileSource(config.auditPath),
      recordings: new FileRecordingStore(config.recordings.dir),
      approvals,
      log,
    });
    gateway.http.mount("/console/", webConsole.handle);
    const target: Target = { name: "demo", type: "postgres", tags: { env: "prod" } };

    const identityOf = (username: string): Identity => {
      const user = idp.users.find((u) => u.username === username);
      if (!user) throw new Error(`no demo user ${username}`);
      return { subject: user.username, issuer: idp.issuer, groups: [...user.groups], kind: "human", claims: { email: user.email, name: user.name } };
    };
    return {
      idp,
      pg,
      gateway,
      config,
      policyDir,
      approvals,
      console: webConsole,
      url: publicUrl,
      target,
      identityOf,
      async psqlEnv(username) {
        const issued = await gateway.identity.tokens.issue(identityOf(username), { targets: ["demo"], ttlSeconds: 600 });
        return { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.postgres.port), PGUSER: username, PGDATABASE: "demo", PGPASSWORD: issued.token, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" };
      },
      async requestApproval(username, sql, mode = "hold", actors) {
        // With actors: the request of an agent (or a chain of them) acting for the person.
        const identity = actors ? { ...identityOf(username), actors } : identityOf(username);
        const sessionId = `s-${randomBytes(4).toString("hex")}`;
        const verdict = gateway.engine.decide({ identity, session: { id: sessionId, protocol: "postgres", started_at: new Date().toISOString() }, target, request: { kind: "sql", text: sql } });
        const approval = verdict.decision.approval;
        if (verdict.effect !== "approval" || !approval) throw new Error(`the policy does not hold ${sql} for ${username}: ${JSON.stringify(verdict.decision)}`);
        return approvals.create({
          requester: identity,
          target,
          session_id: sessionId,
          request: { kind: "sql", text: sql },
          action: verdict.action,
          reasons: verdict.decision.reasons,
          approvers: approval.approvers ?? [],
          ttl_seconds: approval.ttl_seconds ?? 900,
          mode,
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    if (logs.length > 0) process.stderr.write(`${logs.join("\n")}\n`);
    throw error;
  }
}
