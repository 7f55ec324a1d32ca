import { randomBytes } from "node:crypto";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CookieSigner } from "../../proxy/console/signed-cookie.js";

// The signer behind the console's sign-in transaction cookie: a value comes back only unaltered,
// under the name it was signed for, with the key it was signed with, and before it expires.

const NAME = "portcullis_console_login";

test("a signed value round-trips under its own name and key only", () => {
  const key = randomBytes(32);
  const signer = new CookieSigner(key);
  const exp = Math.floor(Date.now() / 1000) + 60;
  const cookie = signer.sign(NAME, { state: "s", exp } as { exp: number });
  assert.equal(signer.verify(NAME, cookie), { state: "s", exp });
  assert.is(signer.verify("portcullis_console", cookie), undefined, "another cookie's name");
  assert.is(new CookieSigner(randomBytes(32)).verify(NAME, cookie), undefined, "another key");
  const [payload, mac] = cookie.split(".") as [string, string];
  const forged = Buffer.from(JSON.stringify({ state: "evil", exp })).toString("base64url");
  assert.is(signer.verify(NAME, `${forged}.${mac}`), undefined, "a changed payload");
  assert.is(signer.verify(NAME, `${payload}.${mac.slice(2)}`), undefined, "a cut MAC");
  assert.is(signer.verify(NAME, "garbage"), undefined, "garbage");
  assert.is(signer.verify(NAME, undefined), undefined, "no cookie");
});

test("an expired value is refused whatever the browser kept", () => {
  const signer = new CookieSigner(randomBytes(32));
  const cookie = signer.sign(NAME, { exp: Math.floor(Date.now() / 1000) + 60 });
  assert.ok(signer.verify(NAME, cookie));
  assert.is(signer.verify(NAME, cookie, Date.now() + 61_000), undefined);
});

test("a short key is refused", () => {
  assert.throws(() => new CookieSigner(randomBytes(16)), /at least 32 bytes/);
});

test.run();
