import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ConsoleSessions, csrfMatches, LOGIN_COOKIE, SESSION_COOKIE } from "../../proxy/console/console-session.js";
import { CookieSigner } from "../../proxy/console/signed-cookie.js";
import type { Identity } from "../../engine/policy/types.js";

const DANA: Identity = { subject: "dana", issuer: "http://127.0.0.1:1", groups: ["dba", "pii-readers"], kind: "human", claims: { name: "Dana Diaz", email: "dana@example.com", secret_claim: "x" } };

/** A request carrying the cookie a Set-Cookie line set, as a browser would send it back. */
function requestWith(setCookie: string, extra = ""): IncomingMessage {
  const pair = setCookie.split(";")[0]!;
  return { headers: { cookie: `${extra}${pair}` } } as IncomingMessage;
}

const OPTIONS = { secure: false, ttlSeconds: 60, idleSeconds: 60, revoked: () => null };

function valueOf(setCookie: string): string {
  return setCookie.split(";")[0]!.split("=").slice(1).join("=");
}

test("a session cookie round-trips who signed in, with only the claims worth showing", () => {
  const sessions = new ConsoleSessions(new CookieSigner(randomBytes(32)), OPTIONS);
  const cookie = sessions.start(DANA);
  assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/console/; Max-Age=60; HttpOnly; SameSite=Lax$`));
  const read = sessions.read(requestWith(cookie, "other=1; "));
  assert.ok(read);
  assert.equal(read.identity, { ...DANA, claims: { email: "dana@example.com", name: "Dana Diaz" } });
  assert.ok(csrfMatches(read, read.csrf));
  // Altered in its last character (to one it surely is not: 1 in 64 tokens already ends in "A").
  const last = read.csrf.endsWith("A") ? "B" : "A";
  assert.not.ok(csrfMatches(read, `${read.csrf.slice(0, -1)}${last}`));
  assert.not.ok(csrfMatches(read, null));
});

test("https consoles set __Host- prefixed Secure cookies for the whole origin", () => {
  const sessions = new ConsoleSessions(new CookieSigner(randomBytes(32)), { ...OPTIONS, secure: true });
  const cookie = sessions.start(DANA);
  assert.match(cookie, new RegExp(`^__Host-${SESSION_COOKIE}=[^;]+; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure$`));
  assert.ok(sessions.read(requestWith(cookie)));
  assert.match(sessions.startLogin({ state: "s", nonce: "n", verifier: "v", next: "/console/" }), new RegExp(`^__Host-${LOGIN_COOKIE}=[^;]+; Path=/; `));
});

test("the cookie only names a session kept on the server: signing out, revocation and idleness end every copy", async () => {
  let revokedSubject = "";
  const sessions = new ConsoleSessions(new CookieSigner(randomBytes(32)), { ...OPTIONS, idleSeconds: 1, revoked: (who) => (who.subject === revokedSubject ? "revoked" : null) });
  const cookie = sessions.start(DANA);
  assert.not.match(valueOf(cookie), /dana/i);
  assert.not.match(Buffer.from(valueOf(cookie).split(".")[0]!, "base64url").toString("utf8"), /dba|dana/);
  const copy = requestWith(cookie);
  assert.ok(sessions.read(copy));
  assert.match(sessions.end(requestWith(cookie)), /Max-Age=0/);
  assert.is(sessions.read(copy), undefined, "a copy of the cookie after sign-out");
  const second = sessions.start(DANA);
  revokedSubject = "dana";
  assert.is(sessions.read(requestWith(second)), undefined, "after the person was revoked");
  revokedSubject = "";
  const third = sessions.start(DANA);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.is(sessions.read(requestWith(third)), undefined, "after the idle timeout");
});

test("an altered, re-signed, swapped or expired cookie is no session", () => {
  const key = randomBytes(32);
  const sessions = new ConsoleSessions(new CookieSigner(key), OPTIONS);
  const cookie = sessions.start(DANA);
  const [payload, mac] = valueOf(cookie).split(".") as [string, string];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, sid: "x".repeat(43) })).toString("base64url");
  assert.is(sessions.read(requestWith(`${SESSION_COOKIE}=${forged}.${mac}`)), undefined, "a changed payload");
  assert.is(sessions.read(requestWith(`${SESSION_COOKIE}=${payload}.${mac.slice(2)}`)), undefined, "a cut MAC");
  const otherKey = new ConsoleSessions(new CookieSigner(randomBytes(32)), OPTIONS);
  assert.is(otherKey.read(requestWith(cookie)), undefined, "signed with another key");
  // A sign-in transaction cookie is signed with the same key but for another name: never a session.
  const transaction = sessions.startLogin({ state: "s", nonce: "n", verifier: "v", next: "/console/approvals" });
  assert.is(sessions.read(requestWith(`${SESSION_COOKIE}=${valueOf(transaction)}`)), undefined, "a transaction cookie as a session");
  assert.ok(sessions.readLogin(requestWith(`${LOGIN_COOKIE}=${valueOf(transaction)}`)));
  const signer = new CookieSigner(key);
  const expired = signer.sign(SESSION_COOKIE, { ...claims, exp: Math.floor(Date.now() / 1000) - 1 } as { exp: number });
  assert.is(sessions.read(requestWith(`${SESSION_COOKIE}=${expired}`)), undefined, "expired");
  assert.is(sessions.read(requestWith(`${SESSION_COOKIE}=garbage`)), undefined, "garbage");
});

test("a short key is refused", () => {
  assert.throws(() => new CookieSigner(randomBytes(16)), /at least 32 bytes/);
});

test.run();
