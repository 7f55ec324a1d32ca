import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { portcullis } from "../support/cli.js";
import { DEMO_SCHEMA } from "../support/pg-gateway.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";
import { psql, run } from "../support/run.js";

const BIN = join(process.cwd(), "bin", "portcullis");
let idp: RunningIdentityProvider;
let pg: RunningPostgres;
let dir: string;
let gateway: ChildProcess;
let port = 0;
let stderr = "";
const canary = `canary-${randomBytes(8).toString("hex")}`;

async function machineToken(): Promise<string> {
  const { id, secret } = idp.machineClient;
  const config = await oidc.discovery(new URL(idp.issuer), id, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config)).access_token;
}

async function env(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "token", PGDATABASE: "shop", PGPASSWORD: await machineToken(), PGSSLMODE: "disable", ...extra };
}

test.before(async () => {
  idp = await startIdentityProvider({ log: () => undefined });
  pg = await startPostgres({ users: [{ name: "gateway", password: canary }], initSql: DEMO_SCHEMA });
  dir = mkdtempSync(join(tmpdir(), "portcullis-serve-"));
  writeFileSync(
    join(dir, "portcullis.yaml"),
    `listen:
  http: 127.0.0.1:0
  postgres: 127.0.0.1:0
policy:
  watch: false
identity:
  issuers:
    - name: ci
      issuer: ${idp.issuer}
      audience: ${idp.audience}
      kind: service
      groups_claim: groups
postgres:
  targets:
    - name: shop
      tags: { env: dev }
      host: 127.0.0.1
      port: ${pg.port}
      database: postgres
      user: gateway
      password: { env: SHOP_PG_PASSWORD }
      tls: disable
`,
  );
  gateway = spawn(process.execPath, [BIN, "serve", "--config", join(dir, "portcullis.yaml")], { env: { ...process.env, SHOP_PG_PASSWORD: canary }, stdio: ["ignore", "ignore", "pipe"] });
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${stderr}`)), 30_000);
    gateway.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /postgres listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    gateway.once("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${stderr}`)));
  });
});

test.after(async () => {
  if (gateway && gateway.exitCode === null) gateway.kill("SIGKILL");
  await pg?.stop();
  await idp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a CI job's OIDC token from the real provider is the psql password; allowed statements run", async () => {
  const r = await psql(await env(), "SELECT count(*) FROM orders");
  assert.is(r.stderr, "");
  assert.is(r.stdout.trim(), "20");
});

test("policy denials reach psql as SQLSTATE 42501 with the reason", async () => {
  const r = await run("psql", ["-X", "-v", "VERBOSITY=verbose", "-c", "DELETE FROM orders"], await env());
  assert.is(r.code, 1);
  assert.match(r.stderr, /42501: Portcullis denied this statement: DELETE without WHERE on orders/);
});

test("TLS is offered with the generated certificate (sslmode=require)", async () => {
  const r = await psql(await env({ PGSSLMODE: "require" }), "SELECT 1");
  assert.is(r.stderr, "");
  assert.is(r.stdout.trim(), "1");
});

test("SIGTERM shuts the gateway down cleanly", async () => {
  const exited = new Promise<number | null>((resolve) => gateway.once("exit", (code) => resolve(code)));
  gateway.kill("SIGTERM");
  assert.is(await exited, 0);
});

test("the audit log holds every decision with the CI identity, verifies, and never the target password", async () => {
  const log = join(dir, ".portcullis", "audit.log");
  const text = readFileSync(log, "utf8");
  assert.not.ok(text.includes(canary), "the target password must never reach the audit log");
  assert.not.ok(stderr.includes(canary), "nor the gateway's log");
  const events = text.trim().split("\n").map((line) => (JSON.parse(line) as { event: Record<string, unknown> }).event);
  const denied = events.find((e) => e.type === "decision" && e.effect === "deny");
  assert.ok(denied, "the denied DELETE is in the audit log");
  assert.is((denied!.identity as { subject: string }).subject, idp.machineClient.id);
  assert.ok(events.some((e) => e.type === "session_start"));
  const verify = await portcullis(["audit", "verify", "--log", log]);
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
});

test("each session was recorded, and its recording replays against the policy", async () => {
  const dirOf = join(dir, ".portcullis", "recordings");
  const files = readdirSync(dirOf).filter((f) => f.endsWith(".jsonl"));
  assert.ok(files.length >= 3, `one recording per session, got ${files.join(", ")}`);
  const all = files.map((f) => readFileSync(join(dirOf, f), "utf8")).join("");
  assert.not.ok(all.includes(canary), "the target password must never reach a recording");
  const withDelete = files.find((f) => readFileSync(join(dirOf, f), "utf8").includes("DELETE FROM orders"))!;
  const replay = await portcullis(["conformance", "run", join(dirOf, withDelete)]);
  assert.is(replay.code, 0, replay.stdout + replay.stderr);
});

test.run();
