import { test } from "uvu";
import * as assert from "uvu/assert";
import { IssuerVerdicts, type IssuerAnswer, type IssuerCheck } from "../../engine/identity/issuer-verdicts.js";
import { TrustedIssuer } from "../../engine/identity/trusted-issuer.js";
import { freePort } from "../support/free-port.js";

/**
 * The issuer's word about open sessions' tokens (session_recheck), without sessions: how an inactive
 * answer, an issuer that cannot say, and an issuer that cannot be reached become a session's verdict.
 * The unreachable issuer is a real one: a loopback port nothing listens on.
 */

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const check = (issuer: string, token = "opaque-token-of-alice", subject = "alice"): IssuerCheck => ({
  token,
  issuer,
  subject,
  expiresAt: Math.floor(Date.now() / 1000) + 600,
  everyMs: 50,
  maxUnansweredMs: 400,
});

test("an unreachable issuer is not proof the account is gone, until it has not answered for max_unanswered: then the session ends, naming why", async () => {
  const issuer = `http://127.0.0.1:${await freePort()}`;
  const trusted = new TrustedIssuer(issuer, [{ name: "people", issuer, audience: "portcullis-cli", kind: "human", introspection: { client_id: "gw", client_secret: "s" } }]);
  const verdicts = new IssuerVerdicts((_iss, token) => trusted.recheck(token), { log: () => undefined });
  const held = [check(issuer)];
  const release = verdicts.hold(held);
  await sleep(250);
  assert.is(verdicts.reason(held), null, "failed re-checks within the bound leave the session open");
  await sleep(300);
  const reason = verdicts.reason(held);
  assert.ok(reason, "past the bound the session no longer stands");
  assert.match(reason!, new RegExp(`^the issuer ${issuer} could not be reached to re-check alice's token for \\d+ s \\(.+\\)$`));
  assert.is(verdicts.goneReason(held[0]!.token), null, "unreachable is not gone: a new login is decided by verification, not by this");
  release();
  verdicts.close();
});

test("an answer within the bound starts it again: failures then an active answer keep the session open past max_unanswered", async () => {
  let answering = false;
  const verdicts = new IssuerVerdicts(async () => {
    if (!answering) throw new Error("connect ECONNREFUSED");
    return "active";
  }, { log: () => undefined });
  const held = [check("https://idp.test")];
  const release = verdicts.hold(held);
  await sleep(300);
  answering = true;
  await sleep(100);
  answering = false;
  await sleep(200);
  assert.is(verdicts.reason(held), null, "600 ms in, past the bound, but the issuer answered about 200 ms ago");
  await sleep(400);
  assert.match(verdicts.reason(held) ?? "", /could not be reached to re-check alice's token .*ECONNREFUSED/);
  release();
  verdicts.close();
});

test("sessions sharing a token share one request per interval, and an inactive answer ends them all and refuses new logins with it", async () => {
  const asked: string[] = [];
  let answer: IssuerAnswer = "active";
  const verdicts = new IssuerVerdicts(async (_iss, token) => {
    asked.push(token);
    return answer;
  }, { log: () => undefined });
  const shared = check("https://idp.test");
  const releases = [verdicts.hold([shared]), verdicts.hold([shared]), verdicts.hold([shared])];
  await sleep(520);
  assert.ok(asked.length >= 5 && asked.length <= 11, `${asked.length} requests in ~10 intervals for three sessions`);
  answer = "inactive";
  await sleep(120);
  const gone = "the issuer https://idp.test no longer recognises alice's token";
  assert.is(verdicts.reason([shared]), gone);
  assert.is(verdicts.goneReason(shared.token), gone, "a new login with the token is refused too");
  const afterGone = asked.length;
  await sleep(200);
  assert.is(asked.length, afterGone, "nothing more to ask about a token the issuer called inactive");
  for (const release of releases) release();
  assert.is(verdicts.goneReason(shared.token), gone, "the verdict outlives the sessions, until the token expires");
  verdicts.close();
});

test("an issuer that cannot introspect a kind of token (oidc-provider and JWTs) is an answer: no more requests, and no unreachable timeout", async () => {
  let asked = 0;
  const logs: string[] = [];
  const verdicts = new IssuerVerdicts(async () => {
    asked++;
    return "unsupported";
  }, { log: (line) => logs.push(line) });
  const held = [check("https://idp.test", "eyJ.a.b", "ci")];
  const release = verdicts.hold(held);
  await sleep(600);
  assert.is(asked, 1);
  assert.is(verdicts.reason(held), null);
  assert.match(logs.join("\n"), /does not introspect ci's kind of token/);
  release();
  verdicts.close();
});

test("a gateway token is re-checked through the IdP tokens it was exchanged from, until it expires", () => {
  const verdicts = new IssuerVerdicts(async () => "active", { log: () => undefined });
  const source = check("https://idp.test");
  verdicts.inherit("gw-jti", [source], Math.floor(Date.now() / 1000) + 60);
  assert.equal(verdicts.inherited("gw-jti"), [source]);
  assert.equal(verdicts.inherited("other"), []);
  verdicts.inherit("old", [source], Math.floor(Date.now() / 1000) - 1);
  assert.equal(verdicts.inherited("old"), []);
  verdicts.close();
});

test.run();
