import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ApprovalService, FileApprovalStore, type ApprovalRequest } from "../../engine/approvals/index.js";
import { freePort } from "../support/free-port.js";
import { bob, newApproval, sleep, tempDir } from "./fixtures/requests.js";

const SECRET = "webhook-secret-for-tests";

interface Delivery {
  signature: string;
  contentType: string;
  body: string;
}

/** A real receiver on loopback: records every POST and answers with the next status in `statuses` (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; deliveries: Delivery[]; server: Server; next(count: number): Promise<Delivery[]> }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      deliveries.push({ signature: String(req.headers["x-portcullis-signature"] ?? ""), contentType: String(req.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/approvals`,
    deliveries,
    server,
    async next(count) {
      for (let i = 0; i < 100 && deliveries.length < count; i++) await sleep(50);
      return deliveries.slice(0, count);
    },
  };
}

/** What a receiver does: HMAC-SHA256 of the raw body with the shared secret, compared in constant time. */
function verified(delivery: Delivery, secret = SECRET): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(delivery.body).digest("hex")}`);
  const got = Buffer.from(delivery.signature);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

async function service(webhook: { url: string; secret: string; attempts?: number }, log: string[] = []): Promise<ApprovalService> {
  const store = await FileApprovalStore.open(join(tempDir("webhook"), "approvals.jsonl"));
  return ApprovalService.start({ store, webhook, log: (line) => log.push(line), sweepIntervalMs: 0 });
}

test("new and decided requests are posted as JSON signed with HMAC-SHA256 of the body", async () => {
  const hook = await receiver();
  const approvals = await service({ url: hook.url, secret: SECRET });
  try {
    const created = await approvals.create(await newApproval());
    const [first] = await hook.next(1);
    const decided = await approvals.decide(created.id, bob, "approve", { reason: "ok" });
    const [, second] = await hook.next(2);
    assert.ok(first && second);
    for (const delivery of [first, second]) {
      assert.ok(verified(delivery), `signature ${delivery.signature} matches the body`);
      assert.not.ok(verified(delivery, "another secret"), "a different secret does not verify");
      assert.is(delivery.contentType, "application/json");
    }
    assert.equal(JSON.parse(first.body), { type: "approval.created", approval: created });
    const body = JSON.parse(second.body) as { type: string; approval: ApprovalRequest };
    assert.is(body.type, "approval.decided");
    assert.equal(body.approval, decided);
    // A body changed on the way no longer matches its signature.
    assert.not.ok(verified({ ...second, body: second.body.replace('"approved"', '"denied"') }));
  } finally {
    await approvals.close();
    hook.server.close();
  }
});

test("a failed delivery is retried, and never holds up the request", async () => {
  const hook = await receiver([500, 503]);
  const approvals = await service({ url: hook.url, secret: SECRET });
  try {
    const created = await approvals.create(await newApproval());
    const three = await hook.next(3);
    assert.is(three.length, 3, "two failures, then delivered");
    assert.ok(three.every((d) => d.body === three[0]!.body && verified(d)));
    assert.is((JSON.parse(three[2]!.body) as { approval: ApprovalRequest }).approval.id, created.id);
  } finally {
    await approvals.close();
    hook.server.close();
  }
});

test("an unreachable webhook is logged after its tries; creating and deciding go on unhindered", async () => {
  const log: string[] = [];
  const approvals = await service({ url: `http://127.0.0.1:${await freePort()}/nobody`, secret: SECRET, attempts: 2 }, log);
  try {
    const started = Date.now();
    const created = await approvals.create(await newApproval());
    await approvals.decide(created.id, bob, "deny");
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    for (let i = 0; i < 100 && log.length < 2; i++) await sleep(50);
    assert.equal(log.map((l) => l.replace(/ tries: .*$/, " tries")).sort(), [
      `approvals webhook: approval.created for ${created.id} was not delivered after 2 tries`,
      `approvals webhook: approval.decided for ${created.id} was not delivered after 2 tries`,
    ]);
  } finally {
    await approvals.close();
  }
});

test.run();
