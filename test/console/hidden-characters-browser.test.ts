import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { psql, psqlInBackground, type Running } from "../support/run.js";
import { launchChromium, SCREENSHOTS } from "./chromium.js";
import { startConsoleUnderTest, type ConsoleUnderTest } from "./harness.js";

// Characters that reorder or hide what an approver reads (a right-to-left override, isolates, a
// zero-width space, escape codes) sent by a real psql through the gateway, then looked at in real
// Chromium: every console page that shows the statement shows each of them as a marked escape, and
// nowhere in the page is one of them raw.

/** Bidi overrides, embeddings, isolates and marks; zero-width and other format characters; C0 and C1 controls but tab and newline. */
const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

/** Read left to right, the comment looks like the end of a harmless SELECT; U+202E makes a browser draw the rest reversed. */
const HELD_SQL = "TRUNCATE orders /*\u202e;sredro MORF )*(tnuoc TCELES\u2066*/ -- \u200bro\x1b[2Kdone";
const ALLOWED_SQL = "SELECT count(*) FROM orders -- \u2067sredro ETELED\u2069";

let t: ConsoleUnderTest;
let browser: Browser;
let page: Page;
let held: Running;

test.before(async () => {
  [t, browser] = await Promise.all([startConsoleUnderTest(), launchChromium()]);
  const allowed = await psql(await t.psqlEnv("alice"), ALLOWED_SQL);
  assert.is(allowed.code, 0, allowed.stderr);
  held = psqlInBackground(await t.psqlEnv("alice"), HELD_SQL);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  await page.goto(`${t.url}/console/approvals`);
  await page.getByLabel(/Dana Diaz/).check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${t.url}/console/approvals`);
});

test.after(async () => {
  held?.kill("SIGINT");
  await held?.done;
  await browser?.close();
  await t?.stop();
});

/** Neither what the page shows nor its markup holds a hidden character raw. */
async function assertNothingHidden(where: string): Promise<void> {
  const shown = await page.locator("body").innerText();
  const found = HIDDEN.exec(shown) ?? HIDDEN.exec(await page.content());
  assert.not.ok(found, `${where} holds U+${found?.[0].codePointAt(0)?.toString(16).padStart(4, "0")} raw`);
  await page.screenshot({ path: join(SCREENSHOTS, `hidden-characters-${where}.png`), fullPage: true });
}

/** The marked escapes in `scope`, in order, each one drawn (it has a size on the page). */
async function markers(scope: ReturnType<Page["locator"]>): Promise<string[]> {
  const marks = scope.locator(".ctl");
  const out: string[] = [];
  for (let i = 0; i < (await marks.count()); i++) {
    const box = await marks.nth(i).boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0, "each marker is visible");
    out.push(await marks.nth(i).innerText());
  }
  return out;
}

test("the approvals page shows the held statement's bidi override and controls as marked escapes", async () => {
  let request;
  for (let i = 0; i < 100 && !request; i++) {
    request = (await t.approvals.list({ status: "pending" })).find((r) => r.requester.subject === "alice");
    if (!request) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(request, "the TRUNCATE is held for approval");
  assert.is(request.request.text, HELD_SQL);
  await page.goto(`${t.url}/console/approvals`);
  const statement = page.locator(`article[data-approval-id="${request.id}"] pre.request`);
  assert.equal(await markers(statement), ["\\u202e", "\\u2066", "\\u200b", "\\x1b"]);
  assert.is(await statement.innerText(), "TRUNCATE orders /*\\u202e;sredro MORF )*(tnuoc TCELES\\u2066*/ -- \\u200bro\\x1b[2Kdone");
  await assertNothingHidden("approvals");
  await page.goto(`${t.url}/console/approvals/${request.id}`);
  assert.equal(await markers(page.locator("pre.request")), ["\\u202e", "\\u2066", "\\u200b", "\\x1b"]);
  await assertNothingHidden("approval");
});

test("the audit log and the session replay show them the same way", async () => {
  await page.goto(`${t.url}/console/audit?subject=alice`);
  const audit = page.locator("table.audit");
  assert.match(await audit.innerText(), "SELECT count(*) FROM orders -- \\u2067sredro ETELED\\u2069");
  assert.ok((await markers(audit)).includes("\\u202e"), "the held statement's override, in its approval_requested row");
  await assertNothingHidden("audit");

  await page.goto(`${t.url}/console/sessions`);
  await assertNothingHidden("sessions");
  const sessions = page.locator("table.sessions tbody tr a");
  let replayed = false;
  for (let i = 0; i < (await sessions.count()) && !replayed; i++) {
    await page.goto(`${t.url}${await sessions.nth(i).getAttribute("href")}`);
    const step = page.locator("pre.request", { hasText: "SELECT count(*) FROM orders" });
    if ((await step.count()) === 0) {
      await page.goto(`${t.url}/console/sessions`);
      continue;
    }
    assert.equal(await markers(step), ["\\u2067", "\\u2069"]);
    await assertNothingHidden("replay");
    replayed = true;
  }
  assert.ok(replayed, "the allowed SELECT's session is recorded");
});

test.run();
