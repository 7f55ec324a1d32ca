import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { sqlRequest } from "../../engine/actions/sql/request.js";
import { AuditLog, decisionEvent } from "../../engine/audit/index.js";
import { decisionLineReuse } from "../../engine/audit/event-lines.js";
import { Engine } from "../../engine/engine.js";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { Identity, SessionInfo, Target } from "../../engine/policy/types.js";
import { seeded } from "../postgres/cache-corpus.js";

/**
 * The audit log writes a decision event that differs from an earlier one only in its SQL texts from
 * that event's skeleton (event-lines.ts), skipping serialization, the name search, bounding and the
 * schema. What it writes must be byte for byte what the full path writes, whatever the texts hold:
 * quotes, backslashes, control characters, non-ASCII, the word password, a JWT, a registered secret
 * (both must still be redacted), texts long enough to be cut, several statements.
 */

const SECRET = "tgt-Pa55-\"q\\x";
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
const PIECES = ["a", "O''Brien", "\\", "\\n", "é", "\u{1F600}", "\u0001", "\t", "password", "PassWord", JWT, SECRET.replaceAll("'", "''"), "x".repeat(400), "y".repeat(9000), "", " ", "</script>", "\u2028"];

function statement(next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const literal = (): string => `'${Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(PIECES)).join("")}'`;
  const number = (): string => String(Math.floor(next() * 1_000_000));
  const shapes = [
    () => `SELECT id, name FROM users WHERE id = ${number()}`,
    () => `SELECT email FROM users WHERE name = ${literal()}`,
    () => `SELECT abalance FROM pgbench_accounts WHERE aid = ${number()};`,
    () => `BEGIN; UPDATE pgbench_accounts SET abalance = abalance + ${number()} WHERE aid = ${number()}; COMMIT;`,
    () => `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (${number()}, ${number()}, ${number()}, ${number()}, ${literal()})`,
  ];
  return pick(shapes)();
}

function eventJsons(file: string): string[] {
  // Each line is {"seq":…,"time":…,"prev_hash":…,"hash":…,"event":EVENT}: the event is everything after its key.
  return readFileSync(file, "utf8").trim().split("\n").map((line) => line.slice(line.indexOf('"event":') + 8, -1));
}

test("10,000 decision events are written from skeletons exactly as in full, redactions and cuts included", async () => {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-event-lines-"));
  const engine = await Engine.start({ dir: defaultPolicyDir });
  const reusing = await AuditLog.open(join(dir, "reusing.log"), { secrets: [SECRET], durability: "write" });
  const full = await AuditLog.open(join(dir, "full.log"), { secrets: [SECRET], durability: "write" });
  try {
    const identities: Identity[] = [
      { subject: "reader@example.test", issuer: "https://idp.example.test", groups: ["engineering", "pii-readers"], kind: "human", claims: {} },
      { subject: "analyst@example.test", issuer: "https://idp.example.test", groups: ["engineering"], kind: "human", claims: { email: "analyst@example.test" } },
    ];
    const sessions: SessionInfo[] = [
      { id: "3f0c2a4e-0000-4000-8000-000000000001", protocol: "postgres" },
      { id: "3f0c2a4e-0000-4000-8000-000000000002", protocol: "postgres", client_addr: "127.0.0.1" },
    ];
    const target: Target = Object.freeze({ name: "app", tags: Object.freeze({ env: "prod" }), type: "postgres" as const });
    const next = seeded(29);
    const appends: Array<Promise<unknown>> = [];
    for (let i = 0; i < 10_000; i++) {
      const request = { identity: identities[i % 2]!, session: sessions[Math.floor(i / 2) % 2]!, target, request: sqlRequest(statement(next)) };
      const event = decisionEvent(request, engine.decide(request));
      decisionLineReuse.enabled = true;
      appends.push(reusing.append(event));
      decisionLineReuse.enabled = false;
      appends.push(full.append(event));
      // Let the batches land now and then, so later events meet skeletons learned from earlier ones.
      if (i % 64 === 63) await Promise.all(appends.splice(0));
    }
    await Promise.all(appends);
    const stats = reusing.stats;
    assert.ok(stats.reused > 5_000, `most events should be written from a skeleton, ${stats.reused} were`);
    assert.is(full.stats.reused, 0);
    await reusing.close();
    await full.close();
    const a = eventJsons(join(dir, "reusing.log"));
    const b = eventJsons(join(dir, "full.log"));
    assert.is(a.length, b.length);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fixture(a[i]!, b[i]!);
    assert.ok(b.some((e) => e.includes('"redacted"')) && b.some((e) => e.includes('"truncated"')), "the corpus holds redacted and cut events");
    assert.not.ok(a.some((e) => e.includes(JWT) || e.includes(JSON.stringify(SECRET).slice(1, -1))), "a secret reached the log");
  } finally {
    decisionLineReuse.enabled = true;
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("documents and decisions shared by the caches are frozen: changing one throws instead of changing the next request's", async () => {
  const engine = await Engine.start({ dir: defaultPolicyDir });
  try {
    const identity: Identity = { subject: "reader@example.test", issuer: "https://idp.example.test", groups: ["engineering"], kind: "human", claims: {} };
    const session: SessionInfo = { id: "3f0c2a4e-0000-4000-8000-000000000003", protocol: "postgres" };
    const target: Target = { name: "app", tags: { env: "dev" }, type: "postgres" };
    const ask = (text: string) => engine.decide({ identity, session, target, request: sqlRequest(text) });
    ask("SELECT id FROM users WHERE id = 1");
    const verdict = ask("SELECT id FROM users WHERE id = 2");
    if (verdict.action.kind !== "sql") return assert.unreachable("not read as SQL");
    const statement = verdict.action.statements[0]!;
    assert.throws(() => ((verdict.decision as { allow: boolean }).allow = !verdict.decision.allow), TypeError);
    assert.throws(() => (verdict.decision.reasons as string[]).push("changed"), TypeError);
    assert.throws(() => (statement.tables as unknown[]).push({ name: "other" }), TypeError);
    assert.throws(() => ((identity as { subject: string }).subject = "someone@else.test"), TypeError);
    // The next request of the shape is decided as before.
    const again = ask("SELECT id FROM users WHERE id = 3");
    assert.equal(again.decision, verdict.decision);
    assert.is(again.action.kind === "sql" ? again.action.statements[0]!.text : "", "SELECT id FROM users WHERE id = 3");
  } finally {
    await engine.close();
  }
});

test.run();
