import type { SessionLimitSettings } from "../../proxy/postgres/session-limits.js";
import { randomBytes } from "node:crypto";
import type { SecureContext } from "node:tls";
import { Engine } from "../../engine/engine.js";
import { IdentityService } from "../../engine/identity/identity-service.js";
import { createMasker } from "../../engine/masking/index.js";
import type { Identity } from "../../engine/policy/types.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import { createPostgresContext } from "../../proxy/gateway/postgres-context.js";
import type { SessionEvent } from "../../proxy/gate/types.js";
import type { Budgets } from "../../proxy/gate/budgets.js";
import { listenPostgres, type PostgresListener } from "../../proxy/postgres/server.js";
import type { QueryLimits } from "../../proxy/postgres/query-limits.js";
import type { PostgresTarget } from "../../proxy/postgres/upstream/target.js";
import { binaryToText } from "../../proxy/postgres/value-text.js";
import { startPostgres, type RunningPostgres } from "./postgres.js";

export const DEMO_SCHEMA = `
  CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text, ssn text, age int);
  INSERT INTO users VALUES
    (1, 'Ada', 'ada@example.com', '123-45-6789', 36),
    (2, 'Grace', 'grace@example.com', '987-65-4321', 45),
    (3, 'Linus', NULL, NULL, 28);
  CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users(id), amount numeric(10,2), note text);
  INSERT INTO orders SELECT g, 1 + g % 3, g * 1.5, 'order ' || g FROM generate_series(1, 20) g;
  GRANT ALL ON ALL TABLES IN SCHEMA public TO gateway;
`;

export const ALICE: Identity = { subject: "alice@example.com", issuer: "https://idp.test", groups: ["engineering"], kind: "human", claims: {} };
export const PII_READER: Identity = { subject: "pat@example.com", issuer: "https://idp.test", groups: ["engineering", "pii-readers"], kind: "human", claims: {} };

export interface GatewayUnderTest {
  pg: RunningPostgres;
  gateway: PostgresListener;
  engine: Engine;
  identity: IdentityService;
  events: SessionEvent[];
  logs: string[];
  target: PostgresTarget;
  /** A fresh gateway token for `who` (default ALICE). */
  token(who?: Identity): Promise<string>;
  /** Environment for psql/pgbench through the gateway as `who`. */
  env(who?: Identity): Promise<NodeJS.ProcessEnv>;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server with the demo tables, the default policy, real gateway tokens, and the
 * gateway's PostgreSQL listener on a free loopback port: the whole path a client takes.
 */
export interface GatewayTestOptions {
  tags?: Record<string, string>;
  policyDir?: string;
  /** Rebuild the policy when files under `policyDir` change (hot reload). */
  watch?: boolean;
  record?: (e: SessionEvent) => Promise<void>;
  /** The password of the target's `gateway` role (default: random), e.g. a canary to search for. */
  targetPassword?: string;
  /** More targets beside `demo` (a down, silent or misconfigured one). */
  extraTargets?: PostgresTarget[];
  /** TLS for clients (SSLRequest is answered "N" without it). */
  tls?: { context: SecureContext; required: boolean };
  /** How much SQL one message may carry (the gateway's defaults otherwise). */
  queryLimits?: QueryLimits;
  /** How long a client may take to log in before the gateway drops it (the listener's default otherwise). */
  startupTimeoutMs?: number;
  /** Where the gateway listens (default 127.0.0.1). */
  host?: string;
  /** Accept tokens without TLS from other hosts. */
  allowCleartextTokens?: boolean;
  /** Session limits and idle timeout (the listener's defaults otherwise). */
  sessionLimits?: SessionLimitSettings;
  /** The counts behind the policy's window limits (in memory, this gateway's own, otherwise). */
  budgets?: Budgets;
  /** Puts a relay between the gateway and the server: given the server's port, returns the port the demo target uses. */
  upstreamVia?: (port: number) => Promise<number>;
}

/** The user name a client of `who` logs in with: the subject's local part ("alice" for alice@example.com), which the gateway accepts. */
export function userNameOf(who: Identity): string {
  const at = who.subject.lastIndexOf("@");
  return at > 0 ? who.subject.slice(0, at) : who.subject;
}

/** Tests open many sessions of one identity at once (fuzzing, pipelines): the limits are tested on their own. */
const TEST_SESSION_LIMITS: SessionLimitSettings = { perIdentityPerTarget: 1000, perTarget: 1000, idleTimeoutMs: 0 };

export async function startGatewayUnderTest(options: GatewayTestOptions = {}): Promise<GatewayUnderTest> {
  const gatewayPassword = options.targetPassword ?? randomBytes(12).toString("hex");
  const pg = await startPostgres({ users: [{ name: "gateway", password: gatewayPassword }], initSql: DEMO_SCHEMA });
  const engine = await Engine.start({ dir: options.policyDir ?? defaultPolicyDir, watch: options.watch ?? false });
  const identity = await IdentityService.create({ issuers: [] });
  const events: SessionEvent[] = [];
  const logs: string[] = [];
  const port = options.upstreamVia ? await options.upstreamVia(pg.port) : pg.port;
  const target: PostgresTarget = { type: "postgres", name: "demo", tags: options.tags ?? { env: "dev" }, host: pg.host, port, database: pg.database, user: "gateway", password: gatewayPassword, tls: "disable" };
  const context = createPostgresContext({
    engine,
    identity,
    masker: createMasker({ hashKey: randomBytes(32) }),
    targets: [target, ...(options.extraTargets ?? [])],
    record: async (event) => {
      events.push(event);
      if (options.record) await options.record(event);
    },
    log: (line) => logs.push(line),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.allowCleartextTokens ? { allowCleartextTokens: true } : {}),
    ...(options.queryLimits ? { queryLimits: options.queryLimits } : {}),
    ...(options.budgets ? { budgets: options.budgets } : {}),
  });
  const gateway = await listenPostgres({ host: options.host ?? "127.0.0.1", port: 0, context, decode: binaryToText, ...(options.startupTimeoutMs ? { startupTimeoutMs: options.startupTimeoutMs } : {}), sessionLimits: options.sessionLimits ?? TEST_SESSION_LIMITS });
  const token = async (who: Identity = ALICE): Promise<string> => (await identity.tokens.issue(who)).token;
  return {
    pg,
    gateway,
    engine,
    identity,
    events,
    logs,
    target,
    token,
    async env(who: Identity = ALICE) {
      return { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(gateway.port), PGUSER: userNameOf(who), PGDATABASE: "demo", PGPASSWORD: await token(who), PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" };
    },
    async stop() {
      await gateway.close();
      await context.close();
      await engine.close();
      await pg.stop();
    },
  };
}
