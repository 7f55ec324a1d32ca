import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Engine } from "../../engine/engine.js";
import { IdentityService } from "../../engine/identity/index.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { Identity } from "../../engine/policy/types.js";
import { DEFAULT_MACHINES, startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { startHttpServer, type RunningHttpServer } from "../../proxy/http/server.js";
import { deviceLogin } from "../support/device-login.js";
import { portcullis } from "../support/cli.js";
import { sqlRequest } from "../support/requests.js";
import { ACCESS_TOKEN_TYPE, exchangeAt, ID_TOKEN_TYPE, JWT_TYPE } from "../support/token-exchange.js";

/**
 * Agents acting for a person (RFC 8693 token exchange with an actor_token), end to end over HTTP: the
 * person signs in at the real demo OpenID provider, each agent is one of its client-credentials
 * workloads, and the delegated gateway tokens are decided by the default policy.
 */
const AGENTS = ["agent-one", "agent-two", "agent-three", "agent-four"].map((name) => ({ clientId: name, clientSecret: `${name}-secret`, groups: ["agents"], claims: { purpose: `${name} test` } }));

let idp: RunningIdentityProvider;
/** Trusted, but its workload tokens live 4 s: an expired actor token is a real one. */
let brief: RunningIdentityProvider;
/** A real provider the gateway does not trust. */
let stranger: RunningIdentityProvider;
let service: IdentityService;
let gateway: RunningHttpServer;
let engine: Engine;
const events: Array<Record<string, unknown>> = [];

test.before(async () => {
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1, machines: [...DEFAULT_MACHINES.map((m) => ({ ...m })), ...AGENTS] });
  brief = await startIdentityProvider({ machines: [{ clientId: "brief-agent", clientSecret: "brief-agent-secret", groups: ["agents"], claims: {} }], ttl: { clientCredentials: 4 } });
  stranger = await startIdentityProvider({ machines: [{ clientId: "agent-one", clientSecret: "agent-one-secret", groups: ["agents", "dba"], claims: {} }] });
  service = await IdentityService.create({
    issuers: [
      { name: "people", issuer: idp.issuer, audience: idp.humanClientId, kind: "human", groups_claim: "groups" },
      { name: "agents", issuer: idp.issuer, audience: idp.audience, kind: "service", groups_claim: "groups" },
      { name: "brief-agents", issuer: brief.issuer, audience: brief.audience, kind: "service", groups_claim: "groups", clock_skew_seconds: 0 },
    ],
    delegation: { max_depth: 3 },
  });
  gateway = await startHttpServer({ identity: service, log: (event) => events.push(event) });
  engine = await Engine.start({ dir: defaultPolicyDir, watch: false });
});
test.after(async () => {
  await engine.close();
  await gateway.close();
  await Promise.all([idp.close(), brief.close(), stranger.close()]);
});

async function workloadToken(provider: RunningIdentityProvider, id: string, secret: string): Promise<string> {
  const config = await oidc.discovery(new URL(provider.issuer), id, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  return (await oidc.clientCredentialsGrant(config)).access_token;
}

const agentToken = (name: string): Promise<string> => workloadToken(idp, name, `${name}-secret`);

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function exchange(subject: string, subjectType: string, actor: string, extra: Record<string, string> = {}): Promise<Answer> {
  return exchangeAt(gateway.url, { subject_token: subject, subject_token_type: subjectType, actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE, ...extra });
}

/** The rejection the gateway logged for the last refused exchange: its code and detail. */
function lastRejection(): { code: unknown; detail: unknown } {
  const event = [...events].reverse().find((e) => e.event === "token_exchange_rejected");
  return { code: event?.code, detail: event?.detail };
}

async function identityOf(token: string): Promise<Identity> {
  const verified = await service.verify(token);
  if (!verified.ok) throw new Error(`${verified.code}: ${verified.detail}`);
  return verified.identity;
}

/** dana (dba, pii-readers) signs in, then three agents delegate in turn. */
async function threeLevelChain(): Promise<{ person: string; tokens: string[] }> {
  const person = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "dana")).id_token!;
  const tokens: string[] = [];
  let subject = person;
  let subjectType = ID_TOKEN_TYPE;
  for (const agent of ["agent-one", "agent-two", "agent-three"]) {
    const answer = await exchange(subject, subjectType, await agentToken(agent));
    assert.is(answer.status, 200, JSON.stringify(answer.body));
    subject = answer.body.access_token as string;
    subjectType = JWT_TYPE;
    tokens.push(subject);
  }
  return { person, tokens };
}

test("a three-level chain: the token names the person and every agent, nested as RFC 8693 nests act", async () => {
  const { person, tokens } = await threeLevelChain();
  const last = decodeJwt(tokens[2]!);
  assert.is(last.sub, "dana");
  const act = last.act as Record<string, Record<string, Record<string, unknown>>>;
  assert.equal([act.sub, act.act!.sub, (act.act!.act as unknown as Record<string, unknown>).sub], ["agent-three", "agent-two", "agent-one"], "the outermost act is the agent acting now");
  assert.ok(last.exp! <= decodeJwt(person).exp!, "never outlives the person's token");

  const identity = await identityOf(tokens[2]!);
  assert.is(identity.subject, "dana");
  assert.is(identity.kind, "human");
  assert.equal(identity.groups, ["dba", "pii-readers"]);
  assert.equal(identity.actors!.map((a) => [a.subject, a.issuer, a.kind, a.groups, a.claims.purpose]), [
    ["agent-one", idp.issuer, "service", ["agents"], "agent-one test"],
    ["agent-two", idp.issuer, "service", ["agents"], "agent-two test"],
    ["agent-three", idp.issuer, "service", ["agents"], "agent-three test"],
  ]);

  const me = await fetch(`${gateway.url}/v1/whoami`, { headers: { authorization: `Bearer ${tokens[2]!}` } });
  const body = (await me.json()) as { actors: Array<{ subject: string }> };
  assert.equal(body.actors.map((a) => a.subject), ["agent-one", "agent-two", "agent-three"]);
  const issued = events.filter((e) => e.event === "token_issued").at(-1)!;
  assert.equal((issued.actors as Array<{ subject: string }>).map((a) => a.subject), ["agent-one", "agent-two", "agent-three"]);
});

test("the default policy decides a three-level chain as the intersection of the person and every agent", async () => {
  const { tokens } = await threeLevelChain();
  const dana = await identityOf(tokens[0]!).then((i) => ({ ...i, actors: undefined }));
  delete dana.actors;
  const chain = await identityOf(tokens[2]!);
  const prod = { name: "prod-db", type: "postgres" as const, tags: { env: "prod" } };

  // dana reads email in clear; through her agents (not PII readers) it is masked, and the reason says whose rule it is.
  const own = engine.decide(sqlRequest("SELECT email FROM users", { identity: dana, target: prod }));
  assert.is(own.effect, "allow", own.decision.reasons.join("; "));
  const delegated = engine.decide(sqlRequest("SELECT email FROM users", { identity: chain, target: prod }));
  assert.is(delegated.effect, "mask");
  assert.equal(delegated.decision.mask, [{ column: "public.users.email", strategy: "redact" }]);
  assert.ok(delegated.decision.reasons.every((r) => r.startsWith("agent agent-")), delegated.decision.reasons.join("; "));
  assert.equal(delegated.input.identity.actors!.map((a) => a.subject), ["agent-one", "agent-two", "agent-three"]);

  // What dana may do herself (a DO block) no agent may do for her.
  assert.is(engine.decide(sqlRequest("DO $$BEGIN PERFORM 1; END$$", { identity: dana, target: prod })).effect, "allow");
  const refused = engine.decide(sqlRequest("DO $$BEGIN PERFORM 1; END$$", { identity: chain, target: prod }));
  assert.is(refused.effect, "deny");
  for (const agent of ["agent-one", "agent-two", "agent-three"]) assert.ok(refused.decision.reasons.some((r) => r.startsWith(`agent ${agent}: `)), agent);

  // DDL on prod needs an approval: dana waits for it (hold), her agents get a ticket.
  assert.is(engine.decide(sqlRequest("CREATE TABLE notes (id int)", { identity: dana, target: prod })).decision.approval?.mode, "hold");
  const approval = engine.decide(sqlRequest("CREATE TABLE notes (id int)", { identity: chain, target: prod })).decision.approval;
  assert.is(approval?.required, true);
  assert.is(approval?.mode, "ticket");
});

test("a fourth agent is refused: the chain may be at most identity.delegation.max_depth long", async () => {
  const { tokens } = await threeLevelChain();
  const answer = await exchange(tokens[2]!, JWT_TYPE, await agentToken("agent-four"));
  assert.is(answer.status, 400);
  assert.equal(answer.body, { error: "invalid_grant", error_description: "authentication failed" });
  assert.is(lastRejection().code, "delegation_too_deep");
});

test("an actor whose issuer the gateway does not trust is refused", async () => {
  const person = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice")).id_token!;
  const answer = await exchange(person, ID_TOKEN_TYPE, await workloadToken(stranger, "agent-one", "agent-one-secret"));
  assert.is(answer.status, 400);
  assert.is(answer.body.error, "invalid_grant");
  assert.equal(lastRejection(), { code: "unknown_issuer", detail: `actor token: issuer ${stranger.issuer} is not trusted` });
});

test("an expired actor token is refused, and a delegated token expires with the shortest-lived token in its chain", async () => {
  const person = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice")).id_token!;
  const actor = await workloadToken(brief, "brief-agent", "brief-agent-secret");
  const early = await exchange(person, ID_TOKEN_TYPE, actor);
  assert.is(early.status, 200, JSON.stringify(early.body));
  assert.ok((early.body.expires_in as number) <= 4, `expires_in ${String(early.body.expires_in)}`);
  assert.ok(decodeJwt(early.body.access_token as string).exp! <= decodeJwt(actor).exp!);
  const opened = await service.verify(early.body.access_token as string);
  if (!opened.ok) return assert.unreachable(opened.detail);
  assert.is(service.recheck(opened), null, "a session opened with it stands while every token in the chain lives");

  await new Promise((resolve) => setTimeout(resolve, 5000));
  const late = await exchange(person, ID_TOKEN_TYPE, actor);
  assert.is(late.status, 400);
  assert.is(lastRejection().code, "expired");
  assert.match(String(lastRejection().detail), /^actor token: /);
  assert.match(String(service.recheck(opened)), /expired at/, "a session opened with it ends");
});

test("a gateway token cannot be an actor: an agent proves itself with its own issuer's token", async () => {
  const person = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice")).id_token!;
  const own = await service.exchange(await agentToken("agent-one"));
  if (!own.ok) return assert.unreachable(own.detail);
  const answer = await exchange(person, ID_TOKEN_TYPE, own.issued.token);
  assert.is(answer.status, 400);
  assert.is(lastRejection().code, "invalid_actor");
});

test("revoking an agent ends every delegated token it is part of; the person's own sign-in still works", async () => {
  const { person, tokens } = await threeLevelChain();
  await service.revokeSubject("agent-two");
  for (const [i, token] of tokens.entries()) {
    const verified = await service.verify(token);
    assert.is(verified.ok ? "accepted" : verified.code, i === 0 ? "accepted" : "revoked", `token ${i + 1}`);
  }
  assert.ok((await service.verify(person)).ok);
});

test("a scoped subject token keeps its delegated tokens within its targets", async () => {
  const person = (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "bob")).id_token!;
  const scoped = await service.exchange(person, { targets: ["prod-db"] });
  if (!scoped.ok) return assert.unreachable(scoped.detail);
  const inherited = await exchange(scoped.issued.token, JWT_TYPE, await agentToken("agent-one"));
  assert.equal(decodeJwt(inherited.body.access_token as string).targets, ["prod-db"]);
  const widened = await exchange(scoped.issued.token, JWT_TYPE, await agentToken("agent-one"), { audience: "staging-db" });
  assert.is(widened.status, 400);
  assert.is(lastRejection().code, "not_scoped_for_target");
});

test("portcullis token --subject-token FILE --actor-token - delegates, and again for a nested agent", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-delegation-"));
  try {
    const env = { PORTCULLIS_CONFIG_DIR: dir };
    const person = join(dir, "person.jwt");
    writeFileSync(person, (await deviceLogin(idp.issuer, idp.humanClientId, idp.humanScopes, "alice")).id_token!);
    const first = await portcullis(["token", "--gateway", gateway.url, "--subject-token", person, "--actor-token", "-"], { stdin: await agentToken("agent-one"), env });
    assert.is(first.code, 0, first.stderr);
    const delegated = join(dir, "delegated.jwt");
    writeFileSync(delegated, first.stdout);
    const nested = await portcullis(["token", "--gateway", gateway.url, "--subject-token", delegated, "--actor-token", "-", "--format", "json"], { stdin: await agentToken("agent-two"), env });
    assert.is(nested.code, 0, nested.stderr);
    const identity = await identityOf((JSON.parse(nested.stdout) as { access_token: string }).access_token);
    assert.equal([identity.subject, ...identity.actors!.map((a) => a.subject)], ["alice", "agent-one", "agent-two"]);

    const untrusted = await portcullis(["token", "--gateway", gateway.url, "--subject-token", person, "--actor-token", "-"], { stdin: await workloadToken(stranger, "agent-one", "agent-one-secret"), env });
    assert.is(untrusted.code, 1);
    assert.match(untrusted.stderr, /the gateway refused the exchange/);
    const usage = await portcullis(["token", "--subject-token", "-", "--actor-token", "-", "--gateway", gateway.url], { env });
    assert.is(usage.code, 2);
    const help = await portcullis(["token", "--help"]);
    assert.match(help.stdout, /--actor-token F/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
