import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../engine/config/load.js";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { DEMO_SCHEMA } from "./pg-gateway.js";
import { startPostgres, type RunningPostgres } from "./postgres.js";

/** A whole gateway (approvals, audit log, HTTP API) in front of a real PostgreSQL target tagged `env: prod`. */
export interface ApprovalGateway {
  server: RunningPostgres;
  gateway: RunningGateway;
  /** The gateway's state directory (audit.log, approvals). */
  dir: string;
  stop(): Promise<void>;
}

/** Starts it; `gw_prod`, the target's role, owns `orders` and may create in schema public. */
export async function startApprovalGateway(): Promise<ApprovalGateway> {
  const server = await startPostgres({ users: [{ name: "gateway", password: randomBytes(8).toString("hex") }], initSql: DEMO_SCHEMA });
  const password = randomBytes(12).toString("hex");
  await server.createRole("gw_prod", password);
  await server.query("GRANT ALL ON ALL TABLES IN SCHEMA public TO gw_prod");
  await server.query("ALTER TABLE orders OWNER TO gw_prod");
  await server.query("GRANT CREATE ON SCHEMA public TO gw_prod");
  const dir = mkdtempSync(join(tmpdir(), "portcullis-approvals-"));
  const config = resolveConfig(
    {
      state_dir: dir,
      listen: { postgres: "127.0.0.1:0", http: "127.0.0.1:0" },
      policy: { watch: false },
      postgres: { targets: [{ name: "shop", tags: { env: "prod" }, host: server.host, port: server.port, database: server.database, user: "gw_prod", password, tls: "disable" }] },
    },
    dir,
  );
  const gateway = await startGateway(config, () => undefined);
  return {
    server,
    gateway,
    dir,
    async stop() {
      await gateway.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pending approval request `subject` opened, once it is there (10 s at most). */
export async function pendingFor(gateway: RunningGateway, subject: string): Promise<ApprovalRequest> {
  for (let i = 0; i < 200; i++) {
    const found = (await gateway.approvals.list({ status: "pending" })).find((r) => r.requester.subject === subject);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no pending approval for ${subject}`);
}
