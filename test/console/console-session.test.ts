import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { ConsoleSessions, csrfMatches, type ConsoleSessionOptions } from "../../proxy/console/console-session.js";
import { CookieSigner } from "../../proxy/console/signed-cookie.js";

// The console's session table on its own, with a clock the test moves: what the cookie carries, and
// every way a session ends (sign-out, absolute and idle expiry, revocation). The same behaviour
// through the real gateway and Chromium is in console-session-browser.test.ts.

const DANA: Identity = { subject: "dana", issuer: "http://127.0.0.1:1", groups: ["dba", "pii-readers"], kind: "human", claims: { name: "Dana Diaz", email: "dana@example.com", secret_claim: "x" } };

function requestWith(setCookie: string, extra = ""): IncomingMessage {
  return { headers: { cookie: `${extra}${setCookie.split(";")[0]!}` } } as IncomingMessage;
}

function sessionsAt(clock: { now: number }, options: Partial<ConsoleSessionOptions> = {}): ConsoleSessions {
  return new ConsoleSessions(new CookieSigner(randomBytes(32)), { secure: false, absoluteSeconds: 3600, idleSeconds: 600, revoked: () => null, now: () => clock.now, ...options });
}

test("the cookie carries only a random id; the session keeps who signed in and the claims worth showing", () => {
  const sessions = sessionsAt({ now: Date.now() });
  const cookie = sessions.start({ identity: DANA });
  const match = /^portcullis_console=([A-Za-z0-9_-]{43}); Path=\/console\/; Max-Age=3600; HttpOnly; SameSite=Strict$/.exec(cookie);
  assert.ok(match, cookie);
  assert.not.match(Buffer.from(match[1]!, "base64url").toString("latin1"), "dana", "nothing about the person is in the cookie");
  const read = sessions.read(requestWith(cookie, "other=1; "));
  assert.ok(read);
  assert.equal(read.identity, { ...DANA, claims: { email: "dana@example.com", name: "Dana Diaz" } });
  assert.ok(csrfMatches(read, read.csrf));
  const last = read.csrf.endsWith("A") ? "B" : "A";
  assert.not.ok(csrfMatches(read, `${read.csrf.slice(0, -1)}${last}`));
  assert.not.ok(csrfMatches(read, null));
  assert.not.equal(sessions.start({ identity: DANA }).split(";")[0], cookie.split(";")[0], "every sign-in gets a new id");
  assert.is(sessions.read(requestWith("portcullis_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")), undefined, "an id never issued");
});

test("over TLS the cookies are __Host- prefixed, Secure and on Path=/", () => {
  const sessions = sessionsAt({ now: Date.now() }, { secure: true });
  const cookie = sessions.start({ identity: DANA });
  assert.match(cookie, /^__Host-portcullis_console=[A-Za-z0-9_-]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$/);
  assert.ok(sessions.read(requestWith(cookie)));
  assert.is(sessions.read(requestWith(cookie.replace("__Host-", ""))), undefined, "the unprefixed name is not read over TLS");
  assert.match(sessions.startLogin({ state: "s", nonce: "n", verifier: "v", next: "/console/approvals" }), /^__Host-portcullis_console_login=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
});

test("sign-out ends the session for every copy of the cookie", () => {
  const sessions = sessionsAt({ now: Date.now() });
  const cookie = sessions.start({ identity: DANA });
  const copy = requestWith(cookie);
  assert.ok(sessions.read(copy));
  assert.match(sessions.end(requestWith(cookie)), /^portcullis_console=; Path=\/console\/; Max-Age=0/);
  assert.is(sessions.read(copy), undefined);
});

test("a session ends at its absolute expiry however busy, and after the idle timeout", () => {
  const clock = { now: 1_000_000_000_000 };
  const sessions = sessionsAt(clock);
  const busy = requestWith(sessions.start({ identity: DANA }));
  for (let minutes = 5; minutes < 60; minutes += 5) {
    clock.now += 5 * 60_000;
    assert.ok(sessions.read(busy), `still live after ${minutes} minutes of use`);
  }
  clock.now += 5 * 60_000;
  assert.is(sessions.read(busy), undefined, "an hour after sign-in");
  const idle = requestWith(sessions.start({ identity: DANA }));
  clock.now += 599_000;
  assert.ok(sessions.read(idle));
  clock.now += 600_000;
  assert.is(sessions.read(idle), undefined, "ten minutes without a request");
});

test("revocation ends the sessions it covers at once", () => {
  const revoked = new Set<string>();
  const sessions = sessionsAt({ now: Date.now() }, { revoked: (identity, tokenId) => (revoked.has(identity.subject) || (tokenId !== undefined && revoked.has(tokenId)) ? "revoked" : null) });
  const dana = requestWith(sessions.start({ identity: DANA, tokenId: "jti-1" }));
  const bob = requestWith(sessions.start({ identity: { ...DANA, subject: "bob" } }));
  revoked.add("jti-1");
  assert.is(sessions.read(dana), undefined, "the id token she signed in with was revoked");
  assert.ok(sessions.read(bob));
  revoked.add("bob");
  assert.is(sessions.read(bob), undefined);
});

test("one person's sessions are bounded: the oldest ends first", () => {
  const sessions = sessionsAt({ now: Date.now() });
  const first = requestWith(sessions.start({ identity: DANA }));
  const second = requestWith(sessions.start({ identity: DANA }));
  for (let i = 0; i < 19; i++) sessions.start({ identity: DANA });
  assert.is(sessions.read(first), undefined);
  assert.ok(sessions.read(second));
});

test.run();
