import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalizeSql } from "./support.js";

// The gateway normalizes every statement of every session in one long-lived process: parsing must not
// leak (the parser runs in WASM, whose memory only grows) and must stay fast.

const JOIN = "SELECT u.id, u.email, o.total FROM public.users u JOIN sales.orders o ON o.user_id = u.id WHERE o.total > 10";
const COUNT = 100_000;
const MAX_GROWTH = 64 * 1024 * 1024;

test(`${COUNT} two-table joins parse with RSS growth under 64 MiB`, () => {
  // Warm up first, so the parser's first allocations and the JIT are not counted as growth.
  for (let i = 0; i < 2_000; i++) normalizeSql(JOIN);
  const before = process.memoryUsage().rss;
  let peak = before;
  const started = process.hrtime.bigint();
  for (let i = 0; i < COUNT; i++) {
    const action = normalizeSql(JOIN);
    if (action.statements.length !== 1 || action.statements[0]!.tables.length !== 2) {
      assert.unreachable(`statement ${i} was normalized to ${JSON.stringify(action)}`);
    }
    if (i % 5_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const elapsed = process.hrtime.bigint() - started;
  const after = process.memoryUsage().rss;
  peak = Math.max(peak, after);
  const perStatement = Number(elapsed) / 1_000 / COUNT;
  console.log(
    `normalized ${COUNT} statements: ${perStatement.toFixed(1)} µs/statement, RSS ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB (peak ${(peak / 2 ** 20).toFixed(1)} MiB)`,
  );
  assert.ok(peak - before < MAX_GROWTH, `RSS grew by ${((peak - before) / 2 ** 20).toFixed(1)} MiB`);
});

test.run();
