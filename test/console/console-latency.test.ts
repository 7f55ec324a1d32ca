import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Browser, formsOf, textOf, type Page } from "../support/browser.js";
import { startConsoleUnderTest, type ConsoleUnderTest } from "./harness.js";

// Issue 15: one person's huge console page must not stall everyone else. Many statements of almost the
// gateway's largest query size are held from real sessions, more requests wait beside them, and while
// approvers load the approvals and audit pages over and over, another user's `SELECT 1` through the
// same gateway (same process, same event loop) is timed. Pages are bounded by pagination and built a
// card per turn of the event loop, so the statement's latency stays low and each page stays small.

/** Just under the gateway's default max_query_bytes (1 MiB): the largest statement that gets held at all. */
const HUGE = 1024 * 1024 - 1024;
/** Sessions per holder: under the harness's per-identity limit (20), leaving the sampler room under the per-target one. */
const HELD_PER_USER = 15;
const HOLDERS = ["alice", "bob"];
/** More pending requests beside the held ones (opened on the service directly, as the policy decides them). */
const EXTRA_PENDING = 120;
/** Of those, how many are denied so the decided list has pages too. */
const DENIED = 45;
/**
 * The p99 a `SELECT 1` may take while pages load. Measured on a 2-CPU machine at load average 4 (other
 * test runs): 38-63 ms with pagination, chunked rendering and pieces sent apart (idle: about 20 ms);
 * on the unpaged console the approvals page was 2 MB and the p99 about 440 ms. The bound leaves room
 * for a busier machine and still fails the unpaged console.
 */
const P99_BOUND_MS = 250;
const PAGE_BYTES_BOUND = 2 * 1024 * 1024;

let t: ConsoleUnderTest;
const holders: pg.Client[] = [];
let sampler: pg.Client;

async function client(username: string): Promise<pg.Client> {
  const issued = await t.gateway.identity.tokens.issue(t.identityOf(username), { targets: ["demo"], ttlSeconds: 600 });
  const c = new pg.Client({ host: "127.0.0.1", port: t.gateway.postgres.port, user: username, database: "demo", password: issued.token });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

/** Waits until `count` requests are pending. */
async function pending(count: number): Promise<void> {
  for (let i = 0; ; i++) {
    const now = (await t.approvals.list({ status: "pending" })).length;
    if (now >= count) return;
    if (i > 600) throw new Error(`only ${now} of ${count} requests are pending`);
    await sleep(50);
  }
}

test.before(async () => {
  t = await startConsoleUnderTest();
  for (const username of HOLDERS) {
    for (let i = 0; i < HELD_PER_USER; i++) {
      const c = await client(username);
      holders.push(c);
      const head = `TRUNCATE orders CASCADE /* ${username} ${i} `;
      // Held until denied at the end: the rejection is expected.
      c.query(`${head}${"x".repeat(HUGE - head.length - 3)} */`).catch(() => undefined);
      // One at a time: statements this large are analysed on a worker thread, and one sent while that
      // thread is still loading the policy for the first is refused as unanalysable.
      await pending(holders.length);
    }
  }
  const padding = "y".repeat(64 * 1024);
  for (let i = 0; i < EXTRA_PENDING; i++) {
    const request = await t.requestApproval(i % 2 === 0 ? "alice" : "bob", `TRUNCATE orders /* extra ${i} ${padding} */`);
    if (i < DENIED) await t.approvals.decide(request.id, t.identityOf("dana"), "deny", { reason: `not now ${i}` });
  }
  await pending(HOLDERS.length * HELD_PER_USER + EXTRA_PENDING - DENIED);
  sampler = await client("dana");
});

test.after(async () => {
  if (t) {
    const dana = t.identityOf("dana");
    for (const request of await t.approvals.list({ status: "pending" })) await t.approvals.decide(request.id, dana, "deny").catch(() => undefined);
  }
  for (const c of [...holders, sampler]) await c?.end().catch(() => undefined);
  await t?.stop();
});

async function signIn(username: string): Promise<Browser> {
  const browser = new Browser();
  const login = await browser.get(`${t.url}/console/approvals`);
  assert.is(login.kind, "login");
  const page = await browser.submit(login, formsOf(login)[0]!, { username });
  assert.is(page.kind, "approvals");
  return browser;
}

function unescaped(href: string): string {
  return href.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The href of a pager link on `page`: `list` is its data-pager, `which` older, newer or first. */
function link(page: Page, list: string, which: string): string | undefined {
  const nav = new RegExp(`<nav class="pager" data-pager="${list}"[^>]*>([\\s\\S]*?)</nav>`).exec(page.html)?.[1] ?? "";
  const href = new RegExp(`data-page="${which}" href="([^"]*)"`).exec(nav)?.[1];
  return href === undefined ? undefined : unescaped(href);
}

function pendingIds(page: Page): string[] {
  const section = /<section class="pending">([\s\S]*?)<\/section>\s*(?:<h2>|$)/.exec(page.html)?.[1] ?? page.html;
  return [...section.matchAll(/<article class="approval" id="[^"]+" data-approval-id="([^"]+)"/g)].map((m) => m[1]!);
}

function decidedIds(page: Page): string[] {
  return [...page.html.matchAll(/<tr data-approval-id="([^"]+)"/g)].map((m) => m[1]!);
}

function seqs(page: Page): number[] {
  return [...page.html.matchAll(/<tr id="seq-(\d+)"/g)].map((m) => Number(m[1]));
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timeSelects(until: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  while (!until()) {
    const start = performance.now();
    const result = await sampler.query("SELECT 1 AS one");
    samples.push(performance.now() - start);
    assert.is(result.rows[0]?.one, 1);
    await sleep(2);
  }
  return samples;
}

test("while approvers load the approvals and audit pages, another user's SELECT 1 stays fast and every page stays small", async () => {
  let quiet = 0;
  const idle = await timeSelects(() => ++quiet > 100);
  const browsers = [await signIn("dana"), await signIn("dana")];
  const sizes: Record<string, number> = {};
  const pageTimes: number[] = [];
  let done = false;
  const loads = browsers.map(async (browser) => {
    for (let round = 0; round < 12; round++) {
      for (const path of ["/console/approvals", "/console/audit"]) {
        const start = performance.now();
        const page = await browser.get(`${t.url}${path}`);
        pageTimes.push(performance.now() - start);
        assert.is(page.status, 200, path);
        const bytes = Buffer.byteLength(page.html);
        sizes[path] = Math.max(sizes[path] ?? 0, bytes);
        assert.ok(bytes < PAGE_BYTES_BOUND, `${path} is ${bytes} bytes`);
      }
    }
  });
  const busy = timeSelects(() => done);
  await Promise.all(loads).finally(() => (done = true));
  const samples = await busy;
  const report = (name: string, values: number[]): string =>
    `${name}: n=${values.length} p50=${percentile(values, 50).toFixed(1)} p99=${percentile(values, 99).toFixed(1)} max=${Math.max(...values).toFixed(1)} ms`;
  process.stdout.write(`\n${report("SELECT 1 idle", idle)}\n${report("SELECT 1 while pages load", samples)}\n${report("page loads", pageTimes)}\nlargest pages: ${JSON.stringify(sizes)} bytes\n`);
  assert.ok(samples.length >= 50, `only ${samples.length} samples`);
  assert.ok(percentile(samples, 99) < P99_BOUND_MS, report("SELECT 1 while pages load", samples));
});

test("the approvals page shows a page of each list, and its links reach requests beyond the first page", async () => {
  const browser = await signIn("dana");
  const first = await browser.get(`${t.url}/console/approvals`);
  const pending = pendingIds(first);
  assert.is(pending.length, 20);
  assert.match(textOf(first), /20 of \d+ pending requests, oldest first/);
  assert.is(link(first, "pending", "older"), undefined, "the first pending page starts at the oldest");
  const newerHref = link(first, "pending", "newer");
  assert.ok(newerHref, "a link to newer pending requests");
  const second = await browser.get(`${t.url}${newerHref}`);
  assert.is(second.status, 200);
  const next = pendingIds(second);
  assert.ok(next.length > 0);
  assert.ok(next.every((id) => !pending.includes(id)), "the next page holds other requests");
  const back = await browser.get(`${t.url}${link(second, "pending", "older")!}`);
  assert.equal(pendingIds(back), pending, "Older leads back to the same first page");

  const decided = decidedIds(first);
  assert.is(decided.length, 20);
  const olderHref = link(first, "decided", "older");
  assert.ok(olderHref, "a link to older decisions");
  const olderPage = await browser.get(`${t.url}${olderHref}`);
  const older = decidedIds(olderPage);
  assert.ok(older.length > 0 && older.every((id) => !decided.includes(id)));
  assert.equal(pendingIds(olderPage), pending, "paging the decided list keeps the pending page");

  // A new request arriving does not shift a cursor page: the same cursor shows the same requests.
  await t.requestApproval("alice", "TRUNCATE orders /* arrives while paging */");
  assert.equal(pendingIds(await browser.get(`${t.url}${newerHref}`)), next);
});

test("the audit and sessions pages link to older records and sessions", async () => {
  const browser = await signIn("dana");
  const first = await browser.get(`${t.url}/console/audit`);
  const newest = seqs(first);
  assert.is(newest.length, 200);
  const olderHref = link(first, "audit", "older");
  assert.ok(olderHref);
  const older = await browser.get(`${t.url}${olderHref}`);
  const olderSeqs = seqs(older);
  assert.ok(olderSeqs.length > 0);
  assert.ok(Math.max(...olderSeqs) < Math.min(...newest), "older records are all before the first page");
  assert.ok(link(older, "audit", "newer") && link(older, "audit", "first"));
  // Filters ride along with the cursor.
  const filtered = await browser.get(`${t.url}/console/audit?subject=alice&before=${Math.min(...newest)}`);
  assert.is(filtered.status, 200);
  assert.ok(seqs(filtered).every((seq) => seq < Math.min(...newest)));

  const sessions = await browser.get(`${t.url}/console/sessions?before=9999999999999.zzz`);
  assert.is(sessions.status, 200);
  assert.ok(sessions.html.includes("data-session="), "sessions started before a cursor in the far future");
});

test("a malformed page parameter is a 400 that names it, never a 500", async () => {
  const browser = await signIn("dana");
  const cases: Array<[string, string]> = [
    ["/console/audit?before=12x", "before"],
    ["/console/audit?before=-1", "before"],
    ["/console/audit?after=1e3", "after"],
    ["/console/audit?before=%201", "before"],
    ["/console/audit?before=1&before=2", "before"],
    ["/console/audit?before=99999999999999999999", "before"],
    ["/console/audit/verify?after=", "after"],
    ["/console/approvals?pending_before=abc", "pending_before"],
    ["/console/approvals?decided_after=1733400000000", "decided_after"],
    ["/console/approvals?pending_after=1.apr_%3Cscript%3E", "pending_after"],
    ["/console/sessions?before=1.", "before"],
    ["/console/sessions?after=x.y", "after"],
  ];
  for (const [path, name] of cases) {
    const page = await browser.get(`${t.url}${path}`);
    assert.is(page.status, 400, path);
    assert.match(textOf(page), `The page parameter ${name} must be`, path);
  }
  const both = await browser.get(`${t.url}/console/audit?before=5&after=2`);
  assert.is(both.status, 400);
  assert.match(textOf(both), "before and after cannot both be given");
});

test.run();
