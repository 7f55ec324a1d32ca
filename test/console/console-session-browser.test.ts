import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium } from "./chromium.js";
import { startConsoleUnderTest, type ConsoleUnderTest } from "./harness.js";

// Console sessions against the real gateway, in Debian's Chromium: a session cookie a page on another
// port of the host received opens nothing once its person signed out, revoking the person ends their
// session at once, and any `next` after sign-in ends in a redirect to a console page, never a 500.

let t: ConsoleUnderTest;
let browser: Browser;
/** A service on another port of the console's host, which browsers send the host's cookies to; it keeps what it gets. */
let neighbour: Server;
let neighbourUrl: string;
/** The Cookie header of each request the neighbour got, by path. */
const received = new Map<string, string>();

test.before(async () => {
  [t, browser] = await Promise.all([startConsoleUnderTest(), launchChromium()]);
  neighbour = createServer((req, res) => {
    received.set(req.url ?? "", req.headers.cookie ?? "");
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>another service</title><p>Nothing to see.</p>");
  });
  await new Promise<void>((resolve) => neighbour.listen(0, "127.0.0.1", resolve));
  neighbourUrl = `http://127.0.0.1:${(neighbour.address() as AddressInfo).port}`;
});

test.after(async () => {
  await browser?.close();
  neighbour?.close();
  await t?.stop();
});

/** A fresh browser profile signed in as the demo person `name` (e.g. "Dana Diaz") through the provider's login page, ending on `path`. */
async function signedIn(name: string, path = "/console/approvals"): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await page.goto(`${t.url}${path}`);
  assert.ok(page.url().startsWith(`${t.idp.issuer}/interaction/`), page.url());
  await page.getByLabel(new RegExp(name)).check();
  const back = page.waitForResponse((res) => new URL(res.url()).pathname === "/console/callback");
  await page.getByRole("button", { name: "Sign in" }).click();
  const callback = await back;
  assert.ok(callback.status() < 400, `the callback answers ${callback.status()}`);
  // The callback's page moves on to the console page by itself.
  await page.waitForURL((url) => url.href.startsWith(`${t.url}/console/`) && url.pathname !== "/console/callback");
  return { context, page };
}

async function pageKind(page: Page): Promise<string | null> {
  return page.locator('meta[name="portcullis-page"]').getAttribute("content");
}

/** The console session cookie as a `name=value` Cookie header. */
async function sessionCookie(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies(`${t.url}/console/`)).find((c) => c.name === "portcullis_console");
  assert.ok(cookie, "signed in, the browser holds the session cookie");
  return `${cookie.name}=${cookie.value}`;
}

/** A decision POSTed with someone's cookie and CSRF token, from the console's own origin: exactly what the console's form sends. */
function replayDecision(cookie: string, csrf: string, id: string): Promise<Response> {
  return fetch(`${t.url}/console/approvals/${id}/decide`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, origin: t.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf, outcome: "approve" }).toString(),
  });
}

function getWith(cookie: string, path: string): Promise<Response> {
  return fetch(`${t.url}${path}`, { redirect: "manual", headers: { cookie } });
}

test("a cookie a page on another port received opens nothing once its person signed out", async () => {
  const request = await t.requestApproval("alice", "TRUNCATE orders");
  const { context, page } = await signedIn("Dana Diaz");
  const card = page.locator(`article[data-approval-id="${request.id}"]`);
  const csrf = await card.locator('input[name="csrf"]').inputValue();

  // The browser sends the console's cookie to any port of the host: the neighbour has it.
  const visitor = await context.newPage();
  await visitor.goto(`${neighbourUrl}/console/anything`);
  const stolen = received.get("/console/anything") ?? "";
  assert.match(stolen, /portcullis_console=/, "browsers share a host's cookies across its ports");
  assert.ok(stolen.split("; ").includes(await sessionCookie(context)), stolen);
  const whileSignedIn = await getWith(stolen, "/console/approvals");
  assert.is(whileSignedIn.status, 200, "while the session lives, the copy is as good as the original");
  assert.match(await whileSignedIn.text(), request.id);

  await page.getByRole("button", { name: "Sign out" }).click();
  assert.is(await pageKind(page), "signed-out");

  const replayed = await replayDecision(stolen, csrf, request.id);
  assert.is(replayed.status, 401, "the old cookie with a valid CSRF token cannot approve");
  assert.match(await replayed.text(), /nothing was done/);
  assert.is((await t.approvals.get(request.id))?.status, "pending");
  const view = await getWith(stolen, "/console/approvals");
  assert.is(view.status, 303, "nor see the approvals");
  assert.match(view.headers.get("location") ?? "", /^\/console\/login\?next=/);
  await context.close();
});

test("after sign-in, `next` with any character lands on a console page: never a 500, never another site", async () => {
  // Signed out: the sign-in starts (to the provider), whatever `next` holds.
  for (const next of ["%E2%82%AC", "/console/%E2%82%AC", "/console/approvals%3F%E2%82%AC", "%FF", "/console/%C0%AF"]) {
    const res = await fetch(`${t.url}/console/login?next=${next}`, { redirect: "manual" });
    assert.is(res.status, 303, `next=${next}`);
    assert.ok(res.headers.get("location")?.startsWith(t.idp.issuer), `next=${next} goes to the provider`);
  }
  // Raw UTF-8 in the request line is refused by the HTTP parser before the console sees it: not a 500 either.
  assert.not.match(await rawStatusLine("/console/login?next=/console/\u20ac"), /^HTTP\/1\.1 5/);

  // Through the provider and back to a page whose name is not ASCII.
  const { context, page } = await signedIn("Dana Diaz", "/console/login?next=/console/%E2%82%AC");
  assert.is(page.url(), `${t.url}/console/%E2%82%AC`);
  assert.is(await pageKind(page), "not-found");

  // Signed in, `next` is followed at once: a console page of this origin or the console's home.
  const cookie = await sessionCookie(context);
  const cases: Array<[string, string]> = [
    ["/console/%E2%82%AC", "/console/%E2%82%AC"],
    [encodeURIComponent("/console/€?q=€"), "/console/%E2%82%AC?q=%E2%82%AC"],
    ["%E2%82%AC", "/console/approvals"],
    ["//evil.example/console/", "/console/approvals"],
    [encodeURIComponent("/\\evil.example/console/"), "/console/approvals"],
    [encodeURIComponent("\\\\evil.example\\console\\"), "/console/approvals"],
    [encodeURIComponent("/console/\\..\\..\\evil"), "/console/approvals"],
    ["https://evil.example/console/", "/console/approvals"],
    ["javascript:alert(1)//console/", "/console/approvals"],
    ["/console/../../evil", "/console/approvals"],
    ["/console/%2e%2e/%2e%2e/evil", "/console/approvals"],
    [encodeURIComponent("/console/\r\nSet-Cookie: x=1"), "/console/approvals"],
    [encodeURIComponent("/console/\ta"), "/console/approvals"],
    [encodeURIComponent(`${t.url}/console/audit`), "/console/approvals"],
  ];
  for (const [next, expected] of cases) {
    const res = await getWith(cookie, `/console/login?next=${next}`);
    assert.is(res.status, 303, `next=${next}: ${res.status}`);
    assert.is(res.headers.get("location"), expected, `next=${next}`);
  }
  await context.close();
});

test("revoking a person ends their console session at once: views and decisions", async () => {
  const request = await t.requestApproval("alice", "TRUNCATE orders");
  const { context, page } = await signedIn("Dana Diaz");
  const cookie = await sessionCookie(context);
  const card = page.locator(`article[data-approval-id="${request.id}"]`);
  assert.is((await getWith(cookie, "/console/approvals")).status, 200);

  t.gateway.identity.revokeSubject("dana");
  await card.getByRole("button", { name: "Approve" }).click();
  assert.is(await pageKind(page), "signed-out", "the form POST from her open page is refused");
  assert.is((await t.approvals.get(request.id))?.status, "pending");
  const view = await getWith(cookie, "/console/approvals");
  assert.is(view.status, 303);
  assert.match(view.headers.get("location") ?? "", /^\/console\/login\?next=/);
  await context.close();
});

/** Sends `path` with its bytes as they are (UTF-8, not percent-encoded) and returns the answer's status line. */
function rawStatusLine(path: string): Promise<string> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`, "utf8"));
    });
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
    socket.on("end", () => resolve(answer.split("\r\n")[0] ?? ""));
    socket.on("error", reject);
  });
}

test.run();
