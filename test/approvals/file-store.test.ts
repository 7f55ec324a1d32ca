import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ApprovalError, ApprovalService, FileApprovalStore, type ApprovalRequest } from "../../engine/approvals/index.js";
import { alice, bob, newApproval, prod, TRUNCATE, tempDir } from "./fixtures/requests.js";
import { approvalServiceSuite } from "./service-suite.js";

const dir = tempDir("file");
let n = 0;

approvalServiceSuite({
  name: "file store",
  async fresh() {
    const path = join(dir, `suite-${++n}`, "approvals.jsonl");
    return { store: await FileApprovalStore.open(path), reopen: () => FileApprovalStore.open(path) };
  },
});

const writer = join(dirname(fileURLToPath(import.meta.url)), "fixtures/approval-writer.js");

interface Acked {
  id: string;
  status: string;
  version: number;
}

/** Runs the writer child until it has acknowledged `atLeast` changes, then kills it with SIGKILL. */
function writeThenKill(file: string, atLeast: number): Promise<Acked[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, file], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (!killed && out.split("\n").length > atLeast) {
        killed = true;
        setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 15));
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`the writer ended on its own (${code}): ${err}`));
      // Only whole lines were acknowledged; a line the kill cut short was not.
      resolve(out.split("\n").slice(0, -1).map((line) => {
        const [id, status, version] = line.split(" ");
        return { id: id!, status: status!, version: Number(version) };
      }));
    });
  });
}

test("kill -9 while creating and deciding loses no acknowledged approval", async () => {
  const file = join(dir, "killed", "approvals.jsonl");
  const acked = new Map<string, Acked>();
  for (let round = 1; round <= 3; round++) {
    for (const a of await writeThenKill(file, 150)) acked.set(a.id, a);
  }
  assert.ok(acked.size >= 150, `acknowledged ${acked.size} requests`);
  const store = await FileApprovalStore.open(file);
  const service = await ApprovalService.start({ store, log: () => undefined, sweepIntervalMs: 0 });
  try {
    const lost: string[] = [];
    for (const a of acked.values()) {
      const stored = await store.get(a.id);
      // The child went on after acknowledging: a later version is fine, an earlier one is a loss.
      if (!stored || stored.version < a.version || (stored.version === a.version && stored.status !== a.status)) lost.push(`${a.id} ${a.status} v${a.version} → ${stored ? `${stored.status} v${stored.version}` : "missing"}`);
    }
    assert.equal(lost, [], "every acknowledged change is there");
    const approved = [...acked.values()].filter((a) => a.status === "approved").length;
    console.log(`  ${acked.size} acknowledged requests over 3 kills (${approved} last seen approved); torn tail cut: ${store.repairedBytes} bytes`);
  } finally {
    await service.close();
  }
});

test("a torn last line is cut off on open; the requests before it are all there", async () => {
  const file = join(dir, "torn", "approvals.jsonl");
  const first = await ApprovalService.start({ store: await FileApprovalStore.open(file), log: () => undefined, sweepIntervalMs: 0 });
  const a = await first.create(await newApproval());
  await first.decide(a.id, bob, "approve");
  await first.close();
  const whole = readFileSync(file, "utf8");
  appendFileSync(file, '{"id":"apr_half","status":"pend');
  const store = await FileApprovalStore.open(file);
  try {
    assert.is(store.repairedBytes, '{"id":"apr_half","status":"pend'.length);
    assert.is(readFileSync(file, "utf8"), whole);
    assert.is((await store.get(a.id))?.status, "approved");
    assert.is(await store.get("apr_half"), undefined);
  } finally {
    await store.close();
  }
});

test("a damaged line in the middle refuses to open rather than guess", async () => {
  const file = join(dir, "damaged", "approvals.jsonl");
  const service = await ApprovalService.start({ store: await FileApprovalStore.open(file), log: () => undefined, sweepIntervalMs: 0 });
  await service.create(await newApproval());
  await service.create(await newApproval());
  await service.close();
  const lines = readFileSync(file, "utf8").split("\n");
  lines[0] = lines[0]!.replace('"id":', '"id";');
  writeFileSync(file, lines.join("\n"));
  try {
    await FileApprovalStore.open(file);
    assert.unreachable("opened a damaged store");
  } catch (error) {
    assert.instance(error, ApprovalError);
    assert.is((error as ApprovalError).code, "STORE_CORRUPT");
    assert.match((error as Error).message, /line 1 of the approval store .* is not an approval request/);
  }
});

test("one process owns a store file: a second open is refused while the first holds it", async () => {
  const file = join(dir, "locked", "approvals.jsonl");
  const store = await FileApprovalStore.open(file);
  try {
    await FileApprovalStore.open(file).then(
      () => assert.unreachable("opened twice"),
      (error: ApprovalError) => {
        assert.is(error.code, "STORE_LOCKED");
        assert.match(error.message, new RegExp(`in use by process ${process.pid}`));
      },
    );
  } finally {
    await store.close();
  }
  await (await FileApprovalStore.open(file)).close();
});

test("a file that is mostly old versions is rewritten at open with the same content", async () => {
  const file = join(dir, "compact", "approvals.jsonl");
  const service = await ApprovalService.start({ store: await FileApprovalStore.open(file), log: () => undefined, sweepIntervalMs: 0 });
  const a = await service.create(await newApproval());
  await service.decide(a.id, bob, "approve", { use: "window" });
  for (let i = 0; i < 300; i++) await service.findGrant({ requester: alice, target: prod, request: { kind: "sql", text: TRUNCATE } });
  const before: ApprovalRequest | undefined = await service.get(a.id);
  await service.close();
  const bigger = statSync(file).size;
  const store = await FileApprovalStore.open(file);
  try {
    assert.equal(await store.get(a.id), before);
    assert.is(before?.grant?.uses, 300);
    assert.is(readFileSync(file, "utf8").split("\n").length, 2, "one line and the final newline");
    assert.ok(statSync(file).size < bigger / 100, `${statSync(file).size} bytes, was ${bigger}`);
    await store.update(a.id, before!.version, { decision_reason: "still writable" });
  } finally {
    await store.close();
  }
  const reopened = await FileApprovalStore.open(file);
  assert.is((await reopened.get(a.id))?.decision_reason, "still writable");
  await reopened.close();
});

test.run();
