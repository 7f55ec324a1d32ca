import { statSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FileRecordingStore } from "../../engine/recording/file-store.js";
import { run } from "../support/run.js";
import { launchChromium, SCREENSHOTS } from "./chromium.js";
import { startConsoleUnderTest, type ConsoleUnderTest } from "./harness.js";

// The console in a real browser: Debian's Chromium, driven by playwright-core, signs in through the
// demo provider's real login page, approves a pending request, approves a statement a real psql is
// holding on the wire (and sees psql finish), reads and verifies the audit log, replays a recorded
// session step by step and opens the policy status. Each page is saved as a screenshot in
// test-output/console/.

let t: ConsoleUnderTest;
let browser: Browser;
let context: BrowserContext;
let page: Page;

test.before(async () => {
  [t, browser] = await Promise.all([startConsoleUnderTest(), launchChromium()]);
  const session = await run("psql", ["-X", "-A", "-t", "-q"], await t.psqlEnv("alice"), "SELECT count(*) FROM orders;\nSELECT id, name, email FROM users ORDER BY id;\nDELETE FROM orders;\nSELECT o.id, o.amount FROM orders o WHERE o.id < 4;\n");
  assert.match(session.stderr, /DELETE without WHERE/);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
});

test.after(async () => {
  await browser?.close();
  await t?.stop();
});

async function screenshot(name: string): Promise<void> {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  assert.ok(statSync(path).size > 5_000, `${path} holds a picture`);
}

async function pageKind(): Promise<string | null> {
  return page.locator('meta[name="portcullis-page"]').getAttribute("content");
}

test("dana signs in through the provider's login page", async () => {
  await page.goto(`${t.url}/console/approvals`);
  assert.ok(page.url().startsWith(`${t.idp.issuer}/interaction/`), page.url());
  assert.is(await pageKind(), "login");
  await screenshot("01-sign-in");
  await page.getByLabel(/Dana Diaz/).check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${t.url}/console/approvals`);
  assert.is(await pageKind(), "approvals");
  assert.match(await page.locator(".who-name").innerText(), "Dana Diaz (dana)");
  const cookie = (await context.cookies(`${t.url}/console/`)).find((c) => c.name === "portcullis_console");
  assert.ok(cookie, "the session cookie is set");
  assert.is(cookie.httpOnly, true);
  assert.is(cookie.sameSite, "Strict");
  assert.is(cookie.path, "/console/");
  assert.is(await page.evaluate<boolean>("document.cookie.includes('portcullis_console')"), false, "no script can read the session");
});

test("she sees the pending request rendered readably and approves it", async () => {
  const request = await t.requestApproval("alice", "TRUNCATE orders");
  await page.reload();
  const card = page.locator(`article[data-approval-id="${request.id}"]`);
  assert.match(await card.locator("h2").innerText(), "TRUNCATE on demo");
  assert.match(await card.locator(".reasons").innerText(), /TRUNCATE of .*orders on demo \(env prod\) requires approval/);
  assert.is(await card.locator("pre.request .sql-keyword").first().innerText(), "TRUNCATE");
  assert.match(await card.locator(".requester").innerText(), /alice[\s\S]*engineering[\s\S]*alice@example\.com/);
  await screenshot("02-approvals");

  // A form posted from another origin is refused even with the session's token.
  const csrf = await card.locator('input[name="csrf"]').inputValue();
  const foreign = await context.request.post(`${t.url}/console/approvals/${request.id}/decide`, { form: { csrf, outcome: "approve" }, headers: { origin: "http://attacker.invalid" }, maxRedirects: 0 });
  assert.is(foreign.status(), 403);
  assert.is((await t.approvals.get(request.id))?.status, "pending");

  await card.getByLabel(/Reason/).fill("planned cleanup");
  await card.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(/\/console\/approvals\?decided=/);
  assert.match(await page.locator(".notice").innerText(), `Approved ${request.id} on demo: the waiting client's statement goes ahead.`);
  const decided = await t.approvals.get(request.id);
  assert.is(decided?.status, "approved");
  assert.is(decided?.decided_by, "dana");
  assert.match(await page.locator("table.decided").innerText(), request.id);
  await screenshot("03-approved");
});

test("a psql client's TRUNCATE waits on the wire until dana approves it in the browser", async () => {
  const env = await t.psqlEnv("alice");
  let exited = false;
  const client = run("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-c", "TRUNCATE orders"], env).finally(() => (exited = true));
  let held: Awaited<ReturnType<typeof t.approvals.list>>[number] | undefined;
  for (let i = 0; i < 100 && !held; i++) {
    held = (await t.approvals.list({ status: "pending" })).find((r) => r.requester.subject === "alice" && r.request.text === "TRUNCATE orders");
    if (!held) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(held, "the statement became a pending approval request");
  assert.is(held.mode, "hold");
  assert.not.ok(exited, "psql is still waiting");

  await page.goto(`${t.url}/console/approvals`);
  const card = page.locator(`article[data-approval-id="${held.id}"]`);
  assert.match(await card.locator(".badge-hold").innerText(), "client waiting");
  await screenshot("04-held-statement");
  await card.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL(/\/console\/approvals\?decided=/);
  assert.match(await page.locator(".notice").innerText(), `Approved ${held.id} on demo`);

  const result = await client;
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, "TRUNCATE TABLE");
  assert.match(result.stderr, `waiting for approval ${held.id} from group:dba`);
  const left = await t.pg.query("SELECT count(*)::int AS n FROM orders");
  assert.is((left.rows[0] as { n: number }).n, 0, "the table was truncated upstream");
});

test("bidirectional controls and escapes in a held statement are shown, not obeyed", async () => {
  const env = await t.psqlEnv("alice");
  // U+202E reverses what follows, U+2066 isolates it: raw, the reader would see "read-only" text reordered.
  const sql = "TRUNCATE users CASCADE -- \u202Eylno-daer tnemetats\u2066 \u001b[2K";
  const client = run("psql", ["-X", "-c", sql], env);
  let held: Awaited<ReturnType<typeof t.approvals.list>>[number] | undefined;
  for (let i = 0; i < 100 && !held; i++) {
    held = (await t.approvals.list({ status: "pending" })).find((r) => r.request.text.startsWith("TRUNCATE users"));
    if (!held) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(held, "the statement became a pending approval request");
  await page.goto(`${t.url}/console/approvals`);
  const shown = await page.locator(`article[data-approval-id="${held.id}"] pre.request`).innerText();
  assert.not.match(shown, /[\u202a-\u202e\u2066-\u2069\u001b]/, "a control character reached the page raw");
  assert.match(shown, "\\u202eylno-daer tnemetats\\u2066 \\x1b[2K");
  await screenshot("04b-bidi-visible");
  await t.approvals.decide(held.id, t.identityOf("dana"), "deny").catch(() => undefined);
  await client;
});

test("the audit log shows the decision, filters, and verifies its chain", async () => {
  await page.getByRole("link", { name: "Audit log" }).click();
  await page.waitForURL(`${t.url}/console/audit`);
  assert.is(await pageKind(), "audit");
  await page.getByLabel("Subject").fill("alice");
  await page.locator('select[name="decision"]').selectOption("deny");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/subject=alice/);
  const rows = page.locator("table.audit tbody tr");
  assert.ok((await rows.count()) >= 1);
  assert.match(await rows.first().innerText(), "DELETE FROM orders");
  await page.getByLabel("Subject").fill("");
  await page.locator('select[name="decision"]').selectOption("");
  await page.getByRole("button", { name: "Verify chain" }).click();
  await page.waitForURL(/\/console\/audit\/verify/);
  assert.match(await page.locator("[data-verify]").innerText(), /^Chain intact: \d+ records verified/);
  assert.match(await page.locator("table.audit").innerText(), /approval decided[\s\S]*by dana: “planned cleanup”/);
  await screenshot("05-audit");
});

test("a recorded session replays step by step", async () => {
  await page.getByRole("link", { name: "Sessions" }).click();
  await page.waitForURL(`${t.url}/console/sessions`);
  await screenshot("06-sessions");
  // The session of the four statements run at the start (the newest is the held TRUNCATE's).
  const recorded = (await new FileRecordingStore(t.config.recordings.dir).list()).find((r) => r.requests === 4);
  assert.ok(recorded);
  await page.locator(`table.sessions tr[data-session="${recorded.session_id}"] a`).click();
  await page.waitForURL(/\/console\/sessions\/.+/);
  assert.is(await pageKind(), "replay");
  const steps = page.locator("ol.replay li.step");
  assert.is(await steps.count(), 4);
  assert.is(await page.locator("[data-replay-current]").innerText(), "1");
  assert.ok(await steps.nth(0).isVisible());
  assert.not.ok(await steps.nth(1).isVisible(), "later steps wait for Next");
  await page.getByRole("button", { name: "Next ▶" }).click();
  assert.match(await steps.nth(1).innerText(), /mask[\s\S]*public\.users\.email \(redact\)[\s\S]*SELECT 3 · 3 rows/);
  await page.getByRole("button", { name: "Next ▶" }).click();
  assert.is(await page.locator("[data-replay-current]").innerText(), "3");
  assert.is(await steps.nth(2).getAttribute("data-effect"), "deny");
  assert.match(await steps.nth(2).innerText(), /ERROR 42501: .*DELETE without WHERE/);
  assert.match(await steps.nth(2).getAttribute("class") ?? "", /current/);
  assert.not.ok(await steps.nth(3).isVisible());
  await screenshot("07-replay");
  await page.getByRole("button", { name: "◀ Previous" }).click();
  assert.is(await page.locator("[data-replay-current]").innerText(), "2");
});

test("the policy page shows the serving revision", async () => {
  await page.getByRole("link", { name: "Policy" }).click();
  await page.waitForURL(`${t.url}/console/policy`);
  assert.is(await page.locator("[data-revision]").innerText(), t.gateway.engine.policy.current.revision);
  await screenshot("08-policy");
});

test.run();
