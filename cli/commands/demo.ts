import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { resolveConfig } from "../../engine/config/load.js";
import { visibleLine } from "../../engine/text/visible-text.js";
import { DEMO_SEED_SQL } from "../../proxy/demo/demo-data.js";
import { DEFAULT_MACHINES, startIdentityProvider, type DemoMachine } from "../../proxy/demo/identity-provider.js";
import { startPostgres } from "../../proxy/demo/postgres-server.js";
import { startSshd, type RunningSshd } from "../../proxy/demo/sshd-server.js";
import { startGateway, type RunningGateway } from "../../proxy/gateway/gateway.js";
import { kubeconfig } from "../../proxy/demo/kube/kubeconfig.js";
import { stringOption, UsageError, type Command } from "../command.js";
import { untilSignal } from "./serve.js";
import { writeSshLogin } from "./ssh-login.js";
import { demoIssuers } from "../../proxy/demo/demo-issuers.js";
import { startDemoCluster, type DemoCluster } from "../../proxy/demo/kube/demo-cluster.js";

/** A workload people delegate to in the demo: an AI agent, not a PII reader, not a DBA. */
const DEMO_AGENT: DemoMachine = { clientId: "review-agent", clientSecret: "review-agent-demo-secret", groups: ["agents"], claims: { purpose: "code review" } };

export const demoCommand: Command = {
  words: ["demo"],
  options: {
    "postgres-url": { type: "string" },
    "listen-postgres": { type: "string" },
    "listen-http": { type: "string" },
    "listen-ssh": { type: "string" },
    "listen-kubernetes": { type: "string" },
  },
  help: `Usage: portcullis demo [--postgres-url URL] [--listen-postgres HOST:PORT] [--listen-http HOST:PORT] [--listen-ssh HOST:PORT]
                      [--listen-kubernetes HOST:PORT]

Starts everything needed to try Portcullis on one machine and prints psql and ssh lines to paste:
  - a PostgreSQL server of its own in a temporary directory (or the one --postgres-url names, whose
    credentials then become the gateway's target credentials), seeded with a demo database: users
    (email and ssn are masked for the demo user) and orders;
  - the demo OpenID provider (people: alice, bob, dana; machine clients: ci-deploy, review-agent);
  - the gateway with the bundled policies, the target "demo" tagged env=prod, a generated
    self-signed certificate, and its audit log in a temporary state directory;
  - when OpenSSH's sshd is installed, a throwaway sshd (its own keys and config, a free loopback
    port, logging in as you) as the SSH target "web-1" tagged env=prod, and an SSH certificate for
    alice, so the printed ssh line needs no prompt;
  - when the Kubernetes programs have been built (npm run setup), a throwaway etcd, kube-apiserver
    and kwok (a fake node whose pods run exec commands as local processes) as the Kubernetes target
    "cluster" tagged env=prod, with a namespace "demo" holding a Secret "db", a Deployment "web" and
    a pod "web-1", and a kubeconfig for alice, so the printed kubectl lines work as they are.
Runs until interrupted; then everything it started is stopped and removed.

Options:
  --postgres-url URL          use this PostgreSQL instead of starting one
  --listen-postgres HOST:PORT the gateway's PostgreSQL listener (default 127.0.0.1:6432)
  --listen-http HOST:PORT     the gateway's HTTP listener (default 127.0.0.1:7480)
  --listen-ssh HOST:PORT      the gateway's SSH listener (default 127.0.0.1:2222)
  --listen-kubernetes HOST:PORT
                              the gateway's Kubernetes listener (default 127.0.0.1:7443)
  -h, --help                  show this help

Example:
  npm start`,
  async run(args) {
    const url = stringOption(args, "postgres-url");
    const state = mkdtempSync(join(tmpdir(), "portcullis-demo-"));
    // One event per line: what a log line quotes from a client (an error naming a user) is escaped.
    const log = (line: string): void => console.error(`${new Date().toISOString()} ${visibleLine(line)}`);
    const stops: Array<() => Promise<void>> = [async () => rmSync(state, { recursive: true, force: true })];
    try {
      const upstream = url ? fromUrl(url) : await ownPostgres(stops);
      const seed = new pg.Client(upstream.admin);
      await seed.connect();
      await seed.query(DEMO_SEED_SQL);
      if (!url) await seed.query("GRANT ALL ON ALL TABLES IN SCHEMA public TO portcullis_gateway");
      await seed.end();

      const sshd = existsSync("/usr/sbin/sshd") ? await startSshd() : undefined;
      if (sshd) {
        stops.push(() => sshd.stop());
        writeFileSync(join(state, "web-1.key"), sshd.privateKey, { mode: 0o600 });
      } else log("no /usr/sbin/sshd: the demo runs without an SSH target (npm run setup installs openssh-server)");
      const kube = await startDemoCluster(log);
      if (kube) stops.push(() => kube.stop());
      // Beside ci-deploy, an agent that people delegate to (README: "An agent acting for a person").
      const idp = await startIdentityProvider({ log, machines: [...DEFAULT_MACHINES.map((m) => ({ ...m })), DEMO_AGENT] });
      stops.push(() => idp.close());
      const config = resolveConfig(
        {
          state_dir: state,
          listen: { postgres: stringOption(args, "listen-postgres") ?? "127.0.0.1:6432", http: stringOption(args, "listen-http") ?? "127.0.0.1:7480", ...(sshd ? { ssh: stringOption(args, "listen-ssh") ?? "127.0.0.1:2222" } : {}), ...(kube ? { kubernetes: stringOption(args, "listen-kubernetes") ?? "127.0.0.1:7443" } : {}) },
          identity: {
            issuers: demoIssuers(idp),
            // dana may revoke (portcullis revoke), as the DBAs approve.
            admin_groups: ["dba"],
          },
          console: { issuer: idp.issuer, client_id: idp.consoleClient.id, client_secret: idp.consoleClient.secret },
          targets: [
            { type: "postgres", name: "demo", tags: { env: "prod" }, host: upstream.host, port: upstream.port, database: upstream.database, user: upstream.user, password: upstream.password, tls: "prefer" },
            ...(sshd ? [sshTarget(sshd)] : []),
            ...(kube ? [kube.target] : []),
          ],
        },
        state,
      );
      const gateway = await startGateway(config, log);
      stops.push(() => gateway.close());
      const alice = idp.users.find((u) => u.username === "alice")!;
      const aliceIdentity = { subject: alice.username, issuer: idp.issuer, groups: alice.groups, kind: "human" as const, claims: { email: alice.email } };
      const issued = await gateway.identity.tokens.issue(aliceIdentity, { targets: ["demo"], ttlSeconds: 3600 });
      const dana = idp.users.find((u) => u.username === "dana")!;
      const approver = await gateway.identity.tokens.issue({ subject: dana.username, issuer: idp.issuer, groups: dana.groups, kind: "human", claims: { email: dana.email } }, { ttlSeconds: 3600 });
      const address = `${gateway.postgres.host}:${gateway.postgres.port}`;
      const ssh = sshd
        ? await writeSshLogin({ gateway: gateway.http.url, token: (await gateway.identity.tokens.issue(aliceIdentity, { targets: ["web-1"], ttlSeconds: 3600 })).token, dir: join(state, "alice-ssh") })
        : undefined;
      const sshLine = ssh ? `${ssh.command}web-1@portcullis` : "";
      const kubectl = kube ? await kubectlLine(kube, gateway, (await gateway.identity.tokens.issue(aliceIdentity, { targets: [kube.target.name], ttlSeconds: 3600 })).token, state) : "";
      console.log(`
Portcullis demo is running (Ctrl-C to stop).

  gateway   postgres ${address}, http ${gateway.http.url}, policy ${gateway.engine.policy.current.revision}
  identity  ${idp.issuer} (people: ${idp.users.map((u) => u.username).join(", ")})
  audit     ${config.auditPath}

Connect as alice (engineering; not a pii-reader), with a one-hour gateway token for the target "demo":

  psql "postgresql://alice:${issued.token}@${address}/demo?sslmode=prefer"

Then try:
  SELECT id, name, email, ssn FROM users;   -- email and ssn come back masked
  SELECT count(*) FROM orders;              -- allowed
  DELETE FROM orders;                       -- ERROR 42501: DELETE without WHERE is denied
  TRUNCATE orders;                          -- waits for approval from group:dba (target is env=prod)

${ssh ? `Run commands on the SSH target "web-1" (env=prod) as alice, with her certificate (no prompt):

  ${sshLine} echo hello                       # runs
  ${sshLine} cat /etc/shadow                  # refused with the policy's reason
  ${sshLine} sudo systemctl restart nginx     # waits for approval from group:dba

` : ""}${kubectl ? `Use the Kubernetes target "cluster" (env=prod) as alice, with kubectl and her kubeconfig:

  ${kubectl} get pods -n demo                        # works
  ${kubectl} get secret -n demo db -o yaml           # the values come back masked
  ${kubectl} delete deployment -n demo web           # waits for approval from group:dba
  ${kubectl} exec -n demo web-1 -- cat /etc/shadow   # refused with the policy's reason

` : ""}Approve it as dana (dba) in the web console, ${gateway.http.url}/console/ (sign in as dana), or from another terminal:

  PORTCULLIS_GATEWAY=${gateway.http.url} PORTCULLIS_TOKEN=${approver.token} bin/portcullis approvals list
  PORTCULLIS_GATEWAY=${gateway.http.url} PORTCULLIS_TOKEN=${approver.token} bin/portcullis approvals approve ID

An agent acting for alice (client credentials ${DEMO_AGENT.clientId} / ${DEMO_AGENT.clientSecret} at the provider):
see "An agent acting for a person" in README.md.

Verify the audit log at any time:   bin/portcullis audit verify --log ${config.auditPath}
Sign in as a person instead:        PORTCULLIS_GATEWAY=${gateway.http.url} bin/portcullis login
`);
      await untilSignal();
      log("stopping the demo");
    } finally {
      for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`shutdown: ${String(error)}`));
    }
    return 0;
  },
};

/** The throwaway sshd as the SSH target "web-1": the key it accepts is in the state directory, read by the gateway only. */
function sshTarget(sshd: RunningSshd): { type: "ssh"; name: string; tags: Record<string, string>; host: string; port: number; user: string; private_key: { file: string }; host_key: string } {
  return { type: "ssh", name: "web-1", tags: { env: "prod" }, host: sshd.host, port: sshd.port, user: sshd.user, private_key: { file: "web-1.key" }, host_key: sshd.hostKey };
}

/** Writes alice's kubeconfig (her gateway token, the gateway's certificate) and answers the kubectl line that uses it. */
async function kubectlLine(kube: DemoCluster, gateway: RunningGateway, token: string, state: string): Promise<string> {
  const file = join(state, "alice.kubeconfig");
  const caPem = readFileSync(join(state, "tls-cert.pem"), "utf8");
  writeFileSync(file, kubeconfig(`${gateway.kubernetes!.url}/targets/${kube.target.name}`, caPem, "alice", token), { mode: 0o600 });
  return `${kube.kubectl} --kubeconfig ${file}`;
}

interface DemoUpstream {
  admin: pg.ClientConfig;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

async function ownPostgres(stops: Array<() => Promise<void>>): Promise<DemoUpstream> {
  const password = randomBytes(16).toString("hex");
  const server = await startPostgres({ users: [{ name: "portcullis_gateway", password }] });
  stops.push(() => server.stop());
  return {
    admin: { host: server.host, port: server.port, user: server.superuser, password: server.password, database: server.database },
    host: server.host,
    port: server.port,
    database: server.database,
    user: "portcullis_gateway",
    password,
  };
}

function fromUrl(text: string): DemoUpstream {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--postgres-url is not a URL: ${text}`);
  }
  const upstream = {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)) || "postgres",
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  if (!upstream.user || !upstream.password) throw new UsageError("--postgres-url needs a user and a password: the gateway logs in with them");
  return { ...upstream, admin: { ...upstream } };
}
