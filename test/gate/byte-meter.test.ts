import { test } from "uvu";
import * as assert from "uvu/assert";
import { Budgets, type Allowance } from "../../proxy/gate/budgets.js";
import { ByteMeter } from "../../proxy/gate/byte-meter.js";

/**
 * An allowance over a shared window of `limit` bytes, which `others` (other sessions) also spend;
 * with `seconds`, the window resets where the gateway's budgets say one of that length does.
 */
function windowOf(limit: number, seconds?: number): { allowance: Allowance; spent: () => number; others: (n: number) => void } {
  let spent = 0;
  const budgets = Budgets.inMemory();
  return {
    allowance: {
      left: () => ({ max: Math.max(0, limit - spent), reason: `the policy allows ci ${limit} bytes per hour, and that budget is spent` }),
      spend: (n) => (spent += n),
      resetSeconds: () => (seconds === undefined ? undefined : budgets.state("ci", limit, seconds).resetSeconds),
    },
    spent: () => spent,
    others: (n) => (spent += n),
  };
}

test("chunks pass whole and are spent until the allowance, which cuts the chunk it ends in exactly there", () => {
  const w = windowOf(10);
  const meter = new ByteMeter(w.allowance);
  assert.equal(meter.pass(Buffer.from("abcd")), Buffer.from("abcd"));
  assert.equal(meter.pass(Buffer.from("efgh")), Buffer.from("efgh"));
  assert.not.ok(meter.cut);
  assert.equal(meter.pass(Buffer.from("ijklmn")), Buffer.from("ij"));
  assert.ok(meter.cut);
  assert.is(meter.pass(Buffer.from("op")).length, 0, "nothing passes after the cut");
  assert.is(meter.sent, 10);
  assert.is(w.spent(), 10, "spent what passed, no more");
  assert.is(meter.message(), "Portcullis cut this output off after 10 bytes: the policy allows ci 10 bytes per hour, and that budget is spent");
});

test("the window is read again for every chunk: another session's spending cuts this one sooner", () => {
  const w = windowOf(10);
  const meter = new ByteMeter(w.allowance);
  meter.pass(Buffer.from("abc"));
  w.others(5);
  assert.equal(meter.pass(Buffer.from("defg")), Buffer.from("de"));
  assert.is(meter.sent, 5);
});

test("an answer of known size over what is left is refused whole, spending nothing; one that fits is not", () => {
  const w = windowOf(100, 3600);
  const meter = new ByteMeter(w.allowance);
  assert.is(meter.refuse(100), undefined);
  assert.match(meter.refuse(101) ?? "", /^Portcullis refused this response of 101 bytes: only 100 bytes are left of the policy's byte budget; it resets in \d+ s$/);
  assert.is(w.spent(), 0);
});

test("the reset time is the end of the epoch-aligned window", () => {
  const meter = new ByteMeter(windowOf(0, 60).allowance);
  meter.pass(Buffer.from("x"));
  const seconds = Number(/it resets in (\d+) s$/.exec(meter.message())?.[1]);
  const expected = 60 - Math.floor((Date.now() % 60_000) / 1000);
  assert.ok(Math.abs(seconds - expected) <= 1, `${seconds} vs ${expected}`);
  assert.match(meter.message(), /^Portcullis cut this output off after 0 bytes: /);
});

test.run();
