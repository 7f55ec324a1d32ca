import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Browser, formsOf, textOf, type Page } from "../support/browser.js";
import { run } from "../support/run.js";
import { startConsoleUnderTest, type ConsoleUnderTest } from "./harness.js";

// The console over HTTP as a person's browser uses it (test/support/browser.ts: cookies, redirects and
// forms, no script), signing in through the demo provider's real pages. The Chromium test
// (console-browser.test.ts) covers the same path in a real browser; this one covers every refusal.

let t: ConsoleUnderTest;

test.before(async () => {
  t = await startConsoleUnderTest();
  // One psql session with an allowed, a masked, a denied and an escaped-markup statement, for the audit and replay pages.
  // Statements on separate lines: psql sends each as its own query, so each is its own step.
  const session = await run("psql", ["-X", "-A", "-t", "-q"], await t.psqlEnv("alice"), "SELECT count(*) FROM orders;\nSELECT email FROM users WHERE id = 1;\nDELETE FROM orders;\nSELECT '<script>alert(1)</script>' AS x;\n");
  assert.match(session.stderr, /DELETE without WHERE/);
  assert.match(session.stdout, /^20\n\[redacted\]|^20\n/);
});

test.after(async () => {
  await t?.stop();
});

function expectPage(page: Page, kind: string): void {
  assert.is(page.kind, kind, `expected the ${kind} page, got ${page.kind ?? "?"} (HTTP ${page.status} at ${page.url}): ${textOf(page).slice(0, 400)}`);
}

/** Opens `path` signed out: the console sends the browser to the provider's login page; picks `username` there. */
async function signIn(browser: Browser, username: string, path = "/console/approvals"): Promise<Page> {
  const login = await browser.get(`${t.url}${path}`);
  expectPage(login, "login");
  assert.ok(login.url.startsWith(t.idp.issuer), `the login page is the provider's: ${login.url}`);
  return browser.submit(login, formsOf(login)[0]!, { username });
}

function decideForm(page: Page, id: string): ReturnType<typeof formsOf>[number] | undefined {
  return formsOf(page).find((f) => f.action === `/console/approvals/${id}/decide`);
}

test("signed out, a page redirects to sign-in, and the mount's bare prefix redirects into it", async () => {
  const res = await fetch(`${t.url}/console/audit?subject=alice`, { redirect: "manual" });
  assert.is(res.status, 303);
  assert.is(res.headers.get("location"), `/console/login?next=${encodeURIComponent("/console/audit?subject=alice")}`);
  const bare = await fetch(`${t.url}/console`, { redirect: "manual" });
  assert.is(bare.status, 308);
  assert.is(bare.headers.get("location"), "/console/");
  const post = await fetch(`${t.url}/console/approvals/apr_0000000000/decide`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "outcome=approve" });
  assert.is(post.status, 401);
  assert.match(await post.text(), /nothing was done/);
});

test("pages carry a CSP without inline code, and refuse framing", async () => {
  const res = await fetch(`${t.url}/console/login?next=/console/approvals`, { redirect: "manual" });
  assert.is(res.status, 303);
  assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'; .*frame-ancestors 'none'/);
  assert.is(res.headers.get("x-frame-options"), "DENY");
  const location = new URL(res.headers.get("location")!);
  assert.is(location.origin, t.idp.issuer);
  assert.is(location.searchParams.get("code_challenge_method"), "S256");
  assert.is(location.searchParams.get("redirect_uri"), `${t.url}/console/callback`);
  assert.ok(location.searchParams.get("state") && location.searchParams.get("nonce"));
});

test("an approver signs in, sees the request readably, and approves it", async () => {
  const request = await t.requestApproval("alice", "TRUNCATE orders");
  const browser = new Browser();
  const page = await signIn(browser, "dana");
  expectPage(page, "approvals");
  assert.ok(page.url.startsWith(`${t.url}/console/approvals`));
  const text = textOf(page);
  assert.match(text, "Dana Diaz (dana)");
  assert.match(text, `TRUNCATE on demo`);
  assert.match(text, /TRUNCATE of .*orders on demo \(env prod\) requires approval/);
  assert.match(text, "alice@example.com"); // the requester's claims
  assert.match(page.html, '<span class="sql-keyword">TRUNCATE</span> <span class="sql-ident">orders</span>');
  const form = decideForm(page, request.id);
  assert.ok(form, "dana gets the approve/deny form");
  const after = await browser.submit(page, form, { outcome: "approve", reason: "maintenance window" });
  expectPage(after, "approvals");
  assert.match(textOf(after), `Approved ${request.id} on demo`);
  const decided = await t.approvals.get(request.id);
  assert.is(decided?.status, "approved");
  assert.is(decided?.decided_by, "dana");
  assert.is(decided?.decision_reason, "maintenance window");
  assert.not.ok(decideForm(after, request.id), "a decided request has no buttons");
});

test("an approver sees the agents acting for the requester, pending and decided", async () => {
  const agent = { subject: "review-agent", issuer: t.idp.issuer, groups: ["agents"], kind: "service" as const, claims: {} };
  const request = await t.requestApproval("alice", "TRUNCATE users", "ticket", [agent]);
  const browser = new Browser();
  const list = await signIn(browser, "dana");
  expectPage(list, "approvals");
  assert.match(textOf(list), /Requested by Subject alice .* Agents acting for them review-agent/);
  assert.match(list.html, `<span class="actor" title="${t.idp.issuer}">review-agent</span>`);
  const form = decideForm(list, request.id);
  assert.ok(form, "dana may decide it");
  const after = await browser.submit(list, form, { outcome: "deny", reason: "not by an agent" });
  assert.match(textOf(after), "alice via review-agent", "the decided list names the chain too");
});

test("nobody decides their own request: no buttons, and a forged POST is refused with a clear message", async () => {
  const own = await t.requestApproval("dana", "TRUNCATE orders");
  const browser = new Browser();
  const page = await signIn(browser, "dana");
  assert.not.ok(decideForm(page, own.id));
  assert.match(textOf(page), "This is your own request");
  // The form of another request carries this session's CSRF token; aim it at her own.
  const other = await t.requestApproval("alice", "TRUNCATE users");
  const fresh = await browser.get(`${t.url}/console/approvals`);
  const form = decideForm(fresh, other.id)!;
  const refused = await browser.submit(fresh, { ...form, action: `/console/approvals/${own.id}/decide` }, { outcome: "approve" });
  assert.is(refused.status, 403);
  assert.match(textOf(refused), `You cannot decide your own request ${own.id}: another approver (group:dba) has to.`);
  assert.is((await t.approvals.get(own.id))?.status, "pending");
});

test("someone who is not an approver sees no request of others, and cannot decide one", async () => {
  const request = await t.requestApproval("alice", "TRUNCATE orders");
  const browser = new Browser();
  const page = await signIn(browser, "bob");
  expectPage(page, "approvals");
  assert.not.match(page.html, request.id);
  const hidden = await browser.get(`${t.url}/console/approvals/${request.id}`);
  assert.is(hidden.status, 404);
  // Bob's own session token, in a form he builds himself.
  const csrf = formsOf(page).find((f) => f.action === "/console/logout")!.fields.csrf!;
  const refused = await browser.submit(page, { id: undefined, action: `/console/approvals/${request.id}/decide`, method: "post", fields: { csrf } }, { outcome: "approve" });
  assert.is(refused.status, 403);
  assert.match(textOf(refused), `You are not an approver of ${request.id}: only group:dba may decide it.`);
  assert.is((await t.approvals.get(request.id))?.status, "pending");
});

test("a POST without the session's CSRF token is refused and changes nothing", async () => {
  const request = await t.requestApproval("alice", "TRUNCATE orders");
  const browser = new Browser();
  const page = await signIn(browser, "dana");
  const form = decideForm(page, request.id)!;
  const refused = await browser.submit(page, { ...form, fields: { ...form.fields, csrf: "forged" } }, { outcome: "approve" });
  assert.is(refused.status, 403);
  assert.match(textOf(refused), "did not come from this console session");
  const { csrf: _dropped, ...withoutToken } = form.fields;
  assert.is((await browser.submit(page, { ...form, fields: withoutToken }, { outcome: "deny" })).status, 403);
  assert.is((await t.approvals.get(request.id))?.status, "pending");
});

test("the audit log, sessions and policy are for viewers only", async () => {
  const browser = new Browser();
  await signIn(browser, "bob");
  for (const path of ["/console/audit", "/console/audit/verify", "/console/sessions", "/console/policy"]) {
    const page = await browser.get(`${t.url}${path}`);
    assert.is(page.status, 403, path);
    expectPage(page, "forbidden");
    assert.match(textOf(page), "This page is for members of auditors or dba. You are signed in as bob (engineering, oncall).");
  }
  const home = await browser.get(`${t.url}/console/approvals`);
  assert.not.match(home.html, 'href="/console/audit"', "no navigation to pages bob may not see");
});

test("the audit page filters by subject, target, decision, event and time, and escapes what it shows", async () => {
  const browser = new Browser();
  await signIn(browser, "dana");
  const denies = await browser.get(`${t.url}/console/audit?subject=alice&decision=deny`);
  expectPage(denies, "audit");
  const rows = [...denies.html.matchAll(/<tr id="seq-\d+" data-seq="\d+" data-type="([a-z_]+)">/g)].map((m) => m[1]);
  assert.ok(rows.length >= 1);
  assert.ok(rows.every((type) => type === "decision"));
  assert.match(textOf(denies), "DELETE without WHERE");
  assert.not.match(textOf(denies), "SELECT count(*)");

  const all = await browser.get(`${t.url}/console/audit?target=demo`);
  assert.match(all.html, "&#60;script&#62;alert(1)&#60;/script&#62;");
  assert.not.match(all.html, "<script>alert");
  assert.match(textOf(all), "approval decided");

  const future = await browser.get(`${t.url}/console/audit?since=2999-01-01T00:00`);
  assert.match(textOf(future), "No records match.");
  const past = await browser.get(`${t.url}/console/audit?until=2000-01-01T00:00:00Z`);
  assert.match(textOf(past), "No records match.");
  const bad = await browser.get(`${t.url}/console/audit?since=yesterday`);
  assert.is(bad.status, 400);
  assert.match(textOf(bad), "since must be a time");
  const byType = await browser.get(`${t.url}/console/audit?type=approval_decided`);
  assert.match(textOf(byType), "by dana");
});

test("sessions list the recorded psql session, and its replay shows each step's decision and result", async () => {
  const browser = new Browser();
  await signIn(browser, "dana");
  const list = await browser.get(`${t.url}/console/sessions`);
  expectPage(list, "sessions");
  const link = /href="(\/console\/sessions\/[^"]+)"/.exec(list.html)?.[1];
  assert.ok(link, textOf(list));
  const replay = await browser.get(`${t.url}${link}`);
  expectPage(replay, "replay");
  const steps = [...replay.html.matchAll(/data-step="(\d+)" data-offset-ms="[\d.]+" data-effect="([a-z]+)"/g)].map((m) => m[2]);
  assert.equal(steps, ["allow", "mask", "deny", "allow"]);
  const text = textOf(replay);
  assert.match(text, "SELECT 1 · 1 row");
  assert.match(text, "public.users.email (redact)");
  assert.match(text, /ERROR 42501: .*DELETE without WHERE/);
  const missing = await browser.get(`${t.url}/console/sessions/no-such-session`);
  assert.is(missing.status, 404);
});

test("the policy page shows the serving revision", async () => {
  const browser = new Browser();
  await signIn(browser, "dana");
  const page = await browser.get(`${t.url}/console/policy`);
  expectPage(page, "policy");
  assert.match(page.html, `<code data-revision>${t.gateway.engine.policy.current.revision}</code>`);
  assert.match(textOf(page), "The last reload succeeded.");
});

test("a failed reload shows its error, and the revision still serving", async () => {
  const serving = t.gateway.engine.policy.current.revision;
  const broken = join(t.policyDir, "broken.rego");
  writeFileSync(broken, "package portcullis.broken\n\nthis is not rego\n");
  try {
    const result = await t.gateway.engine.policy.reload();
    assert.not.ok(result.ok);
    const browser = new Browser();
    await signIn(browser, "dana");
    const page = await browser.get(`${t.url}/console/policy`);
    assert.match(page.html, "data-policy-error");
    assert.match(textOf(page), `The last reload failed Still serving revision ${serving} .`);
    assert.match(textOf(page), "broken.rego");
  } finally {
    rmSync(broken);
    assert.ok((await t.gateway.engine.policy.reload()).ok);
  }
});

test("verify shows an intact chain, then the record someone edited", async () => {
  const browser = new Browser();
  await signIn(browser, "dana");
  const ok = await browser.get(`${t.url}/console/audit/verify`);
  assert.match(ok.html, 'data-verify="ok"');
  assert.match(textOf(ok), /Chain intact: \d+ records verified/);
  const lines = readFileSync(t.config.auditPath, "utf8").split("\n");
  const index = lines.findIndex((l) => l.includes("DELETE FROM orders"));
  lines[index] = lines[index]!.replace("DELETE FROM orders", "SELECT 1 FROM orders");
  writeFileSync(t.config.auditPath, lines.join("\n"));
  const broken = await browser.get(`${t.url}/console/audit/verify`);
  assert.match(broken.html, 'data-verify="broken"');
  assert.match(textOf(broken), `Chain BROKEN at seq ${index + 1} (edited)`);
});

test("sign-in returns only to console pages, and a cancelled sign-in says so", async () => {
  const browser = new Browser();
  const login = await browser.get(`${t.url}/console/login?next=${encodeURIComponent("//example.com/x")}`);
  expectPage(login, "login");
  const landed = await browser.submit(login, formsOf(login)[0]!, { username: "dana" });
  assert.is(new URL(landed.url).pathname, "/console/approvals");

  const other = new Browser();
  const page = await other.get(`${t.url}/console/approvals`);
  const cancel = formsOf(page).find((f) => f.action.endsWith("/abort"))!;
  const cancelled = await other.submit(page, cancel);
  expectPage(cancelled, "sign-in-failed");
  assert.match(textOf(cancelled), "The sign-in was cancelled at the identity provider.");
  const stray = await other.get(`${t.url}/console/callback?code=x&state=y`);
  expectPage(stray, "sign-in-failed");
  assert.match(textOf(stray), "This sign-in was not started here");
});

test("a copy of the session cookie (a page on another port received it) is useless once its owner signs out", async () => {
  const browser = new Browser();
  const page = await signIn(browser, "dana");
  const request = await t.requestApproval("alice", "TRUNCATE orders");
  const approvals = await browser.get(`${t.url}/console/approvals`);
  const form = decideForm(approvals, request.id);
  assert.ok(form, "dana may decide it");
  const stolen = browser.cookieHeader("/console/approvals");
  assert.match(stolen, /portcullis_console=/);
  const out = await browser.submit(page, formsOf(approvals).find((f) => f.action === "/console/logout")!);
  expectPage(out, "signed-out");
  const replay = await fetch(`${t.url}/console/approvals/${request.id}/decide`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: stolen, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...form.fields, outcome: "approve" }).toString(),
  });
  assert.is(replay.status, 401);
  assert.is((await t.approvals.get(request.id))?.status, "pending");
  const view = await fetch(`${t.url}/console/audit`, { redirect: "manual", headers: { cookie: stolen } });
  assert.ok([302, 303].includes(view.status), "the old cookie opens no page either");
  assert.match(view.headers.get("location") ?? "", /^\/console\/login/);
});

test("a return address with any character is followed as a console path, never a failure", async () => {
  const browser = new Browser();
  await signIn(browser, "dana");
  for (const next of ["/console/approvals?q=€", "/console/ünïcode", "/console/%E2%82%AC", "/console/a b", "//evil.example/€"]) {
    const res = await fetch(`${t.url}/console/login?next=${encodeURIComponent(next)}`, { redirect: "manual", headers: { cookie: browser.cookieHeader("/console/login") } });
    assert.ok([302, 303].includes(res.status), `${next}: ${res.status}`);
    const location = res.headers.get("location") ?? "";
    assert.ok(location.startsWith("/console/"), `${next} -> ${location}`);
    assert.not.match(location, /evil/);
  }
  // Signed out, the address rides through the provider and back.
  const fresh = new Browser();
  const login = await fresh.get(`${t.url}/console/login?next=${encodeURIComponent("/console/audit?subject=ünï")}`);
  expectPage(login, "login");
  const landed = await fresh.submit(login, formsOf(login)[0]!, { username: "dana" });
  assert.is(landed.status, 200);
  assert.is(new URL(landed.url).pathname, "/console/audit");
});

test("signing out ends the session", async () => {
  const browser = new Browser();
  const page = await signIn(browser, "dana");
  const out = await browser.submit(page, formsOf(page).find((f) => f.action === "/console/logout")!);
  expectPage(out, "signed-out");
  assert.match(out.html, 'href="/console/login?switch=1"');
  const authorizations = t.idp.requestCount("/auth");
  const again = await browser.get(`${t.url}/console/approvals`);
  // Signed out of the console (it had to ask the provider again), still signed in at the provider:
  // back in without a login page. `switch=1` asks the provider for its login page anyway.
  assert.is(t.idp.requestCount("/auth"), authorizations + 1);
  expectPage(again, "approvals");
  const switched = await browser.get(`${t.url}/console/login?switch=1`);
  expectPage(switched, "login");
});

test.run();
