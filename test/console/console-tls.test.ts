import { get } from "node:https";
import type { Browser } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium } from "./chromium.js";
import { startConsoleUnderTest, type ConsoleUnderTest } from "./harness.js";

// The console served over TLS (a TLS-terminating front before the real gateway's HTTP listener, its
// https URL the console's public URL): its cookies are `__Host-` prefixed and Secure, on Path=/, so a
// plain-HTTP service on another port of the host never receives them and no other host can plant one.

let t: ConsoleUnderTest;
let browser: Browser;

test.before(async () => {
  [t, browser] = await Promise.all([startConsoleUnderTest({ tls: true }), launchChromium()]);
});

test.after(async () => {
  await browser?.close();
  await t?.stop();
});

/** The Set-Cookie lines of a GET over TLS (the front's certificate is self-signed). */
function setCookiesOf(url: string): Promise<{ status: number; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    get(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, cookies: res.headers["set-cookie"] ?? [] });
    }).on("error", reject);
  });
}

test("over TLS the console's Set-Cookie is __Host- prefixed and Secure", async () => {
  assert.ok(t.url.startsWith("https://127.0.0.1:"), t.url);
  const { status, cookies } = await setCookiesOf(`${t.url}/console/login?next=/console/audit`);
  assert.is(status, 303);
  assert.is(cookies.length, 1, cookies.join("\n"));
  assert.match(cookies[0]!, /^__Host-portcullis_console_login=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
});

test("Chromium accepts the __Host- cookie the console sets over TLS", async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(`${t.url}/console/approvals`);
  const cookies = await context.cookies(`${t.url}/`);
  const login = cookies.find((c) => c.name === "__Host-portcullis_console_login");
  assert.ok(login, `the browser accepted the __Host- cookie: ${JSON.stringify(cookies.map((c) => c.name))}`);
  assert.is(login.secure, true);
  assert.is(login.path, "/");
  assert.is(login.httpOnly, true);
  assert.is(login.sameSite, "Lax", "the sign-in transaction must survive the provider's cross-site redirect back");
  await context.close();
});

test.run();
