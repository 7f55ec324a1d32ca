import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuditLog, fileSource, type AuditRecord } from "../../engine/audit/index.js";
import { IdentityService } from "../../engine/identity/index.js";
import type { Identity } from "../../engine/policy/types.js";
import { startHttpServer, type RunningHttpServer } from "../../proxy/http/server.js";
import { portcullis } from "../support/cli.js";
import { decisionFor } from "./fixtures/events.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-audit-remote-"));
const file = join(dir, "audit.log");
const tamperedFile = join(dir, "tampered.log");
/** No stored sign-in: the only tokens are the ones a test passes. */
const env = { PORTCULLIS_CONFIG_DIR: join(dir, "config"), PORTCULLIS_AUDIT_LOG: "", PORTCULLIS_AUDIT_DATABASE_URL: "", PORTCULLIS_GATEWAY: "", PORTCULLIS_TOKEN: "" };
const person = (subject: string, groups: string[]): Identity => ({ subject, issuer: "https://id.example.com", groups, kind: "human", claims: {} });

let identity: IdentityService;
let http: RunningHttpServer;
let tamperedHttp: RunningHttpServer;
const authLog: Array<Record<string, unknown>> = [];
const tokens = { auditor: "", dba: "", developer: "" };
const records: AuditRecord[] = [];

test.before(async () => {
  const log = await AuditLog.open(file);
  const add = async (event: Parameters<AuditLog["append"]>[0]) => records.push(await log.append(event));
  await add(await decisionFor("SELECT count(*) FROM orders", { subject: "alice@example.com", effect: "allow", session: "s-a" }));
  await add(await decisionFor("DELETE FROM orders", { subject: "alice@example.com", effect: "deny", session: "s-a" }));
  await add(await decisionFor("SELECT email FROM users", { subject: "alice@example.com", effect: "mask", session: "s-a" }));
  await add(await decisionFor("DELETE FROM orders", { subject: "ci-bot", target: "staging-db", effect: "deny", session: "s-b" }));
  await add({ type: "auth_failure", protocol: "postgres", code: "expired", claimed_subject: "mallory", target: "prod-db", client_addr: "127.0.0.1" });
  await add({ type: "session_end", session_id: "s-a", reason: "client closed", requests: 3 });
  await log.close();
  // The same log with seq 3's statement edited after the fact.
  const lines = readFileSync(file, "utf8").split("\n");
  lines[2] = lines[2]!.replace("SELECT email FROM users", "SELECT 1");
  writeFileSync(tamperedFile, lines.join("\n"));

  identity = await IdentityService.create({ issuers: [] });
  const issue = async (who: Identity): Promise<string> => (await identity.tokens.issue(who)).token;
  tokens.auditor = await issue(person("audrey@example.com", ["auditors"]));
  tokens.dba = await issue(person("bob@example.com", ["dba"]));
  tokens.developer = await issue(person("carol@example.com", ["developers"]));
  http = await startHttpServer({ identity, audit: { source: fileSource(file) }, log: (event) => authLog.push(event) });
  tamperedHttp = await startHttpServer({ identity, audit: { source: fileSource(tamperedFile) }, log: () => undefined });
});

test.after(async () => {
  await http.close();
  await tamperedHttp.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string, token?: string): Promise<{ status: number; type: string; body: unknown }> {
  const response = await fetch(`${http.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, type: response.headers.get("content-type") ?? "", body: JSON.parse(await response.text()) };
}

const remote = (args: string[], token = tokens.auditor, server = http) => portcullis([...args, "--gateway", server.url, "--token", token], { env });
const local = (args: string[], log = file) => portcullis([...args, "--log", log], { env });

test("GET /v1/audit: a viewer gets the matching records, oldest first; limit keeps the newest", async () => {
  const all = await get("/v1/audit", tokens.auditor);
  assert.equal([all.status, all.type], [200, "application/json"]);
  assert.equal(all.body, records);
  assert.equal((await get("/v1/audit", tokens.dba)).body, records, "dba is a viewer group too");
  const denies = await get("/v1/audit?decision=deny&target=prod-db", tokens.auditor);
  assert.equal((denies.body as AuditRecord[]).map((r) => r.seq), [2]);
  assert.equal(((await get("/v1/audit?subject=alice%40example.com&limit=2", tokens.auditor)).body as AuditRecord[]).map((r) => r.seq), [2, 3]);
  assert.equal(((await get(`/v1/audit?since=${encodeURIComponent(records[3]!.time)}&type=auth_failure`, tokens.auditor)).body as AuditRecord[]).map((r) => r.seq), [5]);
  assert.equal((await get("/v1/audit?subject=nobody", tokens.auditor)).body, []);
  for (const bad of ["decision=maybe", "limit=-1", "since=yesterday", "subjet=alice"]) {
    const answer = await get(`/v1/audit?${bad}`, tokens.auditor);
    assert.equal([answer.status, (answer.body as { error: string }).error], [400, "invalid_request"], bad);
  }
});

test("GET /v1/audit and /v1/audit/verify: 401 without a valid token, 403 outside the viewer groups", async () => {
  for (const path of ["/v1/audit", "/v1/audit/verify"]) {
    assert.equal(await get(path), { status: 401, type: "application/json", body: { error: "invalid_token", error_description: "send Authorization: Bearer <token>" } });
    const forged = await get(path, `${tokens.auditor.slice(0, -4)}AAAA`);
    assert.equal([forged.status, (forged.body as { error: string }).error], [401, "invalid_token"]);
    const developer = await get(path, tokens.developer);
    assert.is(developer.status, 403);
    assert.is((developer.body as { error: string }).error, "forbidden");
    assert.match((developer.body as { error_description: string }).error_description, "auditors, dba; carol@example.com is in developers");
  }
  assert.ok(authLog.some((e) => e.event === "audit_read_forbidden" && e.subject === "carol@example.com"));
  assert.ok(authLog.some((e) => e.event === "audit_read_rejected"));
});

test("the CLI against the gateway prints exactly what it prints for the local log", async () => {
  const cases = [
    ["audit", "verify"],
    ["audit", "verify", "--format", "json"],
    ["audit", "tail", "-n", "3"],
    ["audit", "tail", "-n", "2", "--subject", "alice@example.com", "--format", "json"],
    ["audit", "search", "--decision", "deny"],
    ["audit", "search", "--since", records[1]!.time, "--until", records[4]!.time, "--format", "json"],
    ["audit", "search", "--subject", "nobody"],
    ["audit", "export"],
    ["audit", "export", "--session", "s-a"],
  ];
  for (const args of cases) {
    const [there, here] = await Promise.all([remote(args), local(args)]);
    assert.equal(there, here, args.join(" "));
  }
  const verified = await remote(["audit", "verify"]);
  assert.is(verified.code, 0, verified.stderr);
  assert.is(verified.stdout, `audit log OK: 6 records, head seq 6 sha256:${records[5]!.hash} (${file})\n`);
  const exported = await remote(["audit", "export"]);
  assert.equal(exported.stdout.trim().split("\n").map((line) => JSON.parse(line) as AuditRecord), records);
  const tail = await remote(["audit", "tail", "-n", "2"]);
  assert.match(tail.stdout, /^#5 .*failed login: expired as mallory.*\n#6 .*ended session s-a \(client closed\), 3 requests\n$/);
});

test("PORTCULLIS_GATEWAY and PORTCULLIS_TOKEN select the gateway; --log or PORTCULLIS_AUDIT_LOG keeps it local", async () => {
  const viaEnv = await portcullis(["audit", "search", "--decision", "mask"], { env: { ...env, PORTCULLIS_GATEWAY: http.url, PORTCULLIS_TOKEN: tokens.auditor } });
  assert.is(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /^#3 .*mask +alice@example\.com -> prod-db  SELECT email FROM users/);
  const localEnv = await portcullis(["audit", "search", "--decision", "mask"], { env: { ...env, PORTCULLIS_GATEWAY: "http://127.0.0.1:9", PORTCULLIS_AUDIT_LOG: file } });
  assert.equal([localEnv.code, localEnv.stdout], [0, viaEnv.stdout], localEnv.stderr);
  const both = await portcullis(["audit", "search", "--log", file, "--gateway", http.url, "--token", tokens.auditor], { env });
  assert.is(both.code, 2);
  assert.match(both.stderr, "--log and --gateway name two different audit logs");
});

test("outside the viewer groups the CLI exits 1 saying why; without a token it says how to pass one", async () => {
  for (const args of [["audit", "verify"], ["audit", "search"], ["audit", "tail"], ["audit", "export"]]) {
    const refused = await remote(args, tokens.developer);
    assert.is(refused.code, 1, args.join(" "));
    assert.is(refused.stdout, "");
    assert.match(refused.stderr, "reading the audit log needs membership in one of the groups auditors, dba; carol@example.com is in developers (forbidden)");
    const anonymous = await portcullis([...args, "--gateway", http.url], { env });
    assert.is(anonymous.code, 1, args.join(" "));
    assert.is(anonymous.stdout, "");
    assert.match(anonymous.stderr, "no token: pass --token TOKEN, set PORTCULLIS_TOKEN, or run `portcullis login` first");
  }
  const stale = await remote(["audit", "search"], `${tokens.auditor.slice(0, -4)}AAAA`);
  assert.is(stale.code, 1);
  assert.match(stale.stderr, "the gateway does not accept your token");
  const follow = await remote(["audit", "tail", "--follow"]);
  assert.is(follow.code, 2, follow.stderr);
  assert.match(follow.stderr, "--follow reads a local log");
});

test("a tampered log: verify through the gateway reports the broken seq, as it does locally", async () => {
  const there = await remote(["audit", "verify"], tokens.auditor, tamperedHttp);
  assert.is(there.code, 1, there.stderr);
  assert.match(there.stdout, /^audit log BROKEN at seq 3 \(edited\): seq 3 was changed: its contents do not match its hash \(line 3\)\n  2 records before it verified/);
  assert.equal(there, await local(["audit", "verify"], tamperedFile));
  const json = JSON.parse((await remote(["audit", "verify", "--format", "json"], tokens.auditor, tamperedHttp)).stdout) as { ok: boolean; problem: { seq: number; kind: string } };
  assert.equal([json.ok, json.problem.seq, json.problem.kind], [false, 3, "edited"]);
});

test.run();
