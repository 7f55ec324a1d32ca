import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { ALICE, PII_READER, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { frontendMessage, queryMessage, wireLogin, type WireClient } from "../support/pg-wire.js";

/**
 * The policy parses SQL as UTF-8. Under a client-only encoding (SJIS, BIG5, GBK, UHC, GB18030, JOHAB,
 * SHIFT_JIS_2004) a multibyte character can end in a backslash byte, so `E'<0xA4 0x5C>'` is an
 * escaped quote to the policy and a closed string to the server: what follows would run undecided.
 * The policy denies SET of such encodings (under the server's spellings) and writes to pg_settings;
 * a function calling set_config is invisible to it, but the server reports the switch and the
 * gateway ends the session before the next statement.
 */

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

/** The smuggling payload: in BIG5 it is a SELECT of one character, then DELETE FROM orders. */
const PAYLOAD = frontendMessage("Q", Buffer.concat([Buffer.from("SELECT E'"), Buffer.from([0xa4, 0x5c]), Buffer.from("'; DELETE FROM orders; --'\0")]));

async function orders(): Promise<number> {
  return (await g.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM orders")).rows[0]!.n;
}

async function switchThenSmuggle(c: WireClient, switcher: string): Promise<void> {
  const from = c.bytes.length;
  c.send(queryMessage(switcher));
  await c.waitClosed(5000).catch(() => assert.unreachable(`${switcher}: the session was not ended; received ${JSON.stringify(c.errors(from))}`));
  const fatal = c.errors(from).find((e) => e.severity === "FATAL");
  assert.is(fatal?.code, "0A000", switcher);
  assert.match(fatal!.message, /client encoding (BIG5|SJIS|GBK) is not supported/);
  c.send(PAYLOAD);
  assert.is(await orders(), 20, `${switcher}: the smuggled DELETE ran`);
}

const session = async (who: Identity = ALICE): Promise<WireClient> => wireLogin(g.gateway.port, { user: who.subject, database: "demo", password: await g.token(who) });

/** The policy itself refuses the switch; the smuggling payload then reaches a UTF-8 server as invalid text. */
async function deniedThenSmuggle(c: WireClient, switcher: string): Promise<void> {
  const from = c.bytes.length;
  await c.exchange(1, queryMessage(switcher));
  const denied = c.errors(from).find((e) => e.code === "42501");
  assert.ok(denied, `${switcher}: expected the policy's denial, got ${JSON.stringify(c.errors(from))}`);
  assert.match(denied!.message, /client encoding WIN950 is not allowed|writing pg_settings is not allowed/);
  await c.exchange(1, PAYLOAD);
  assert.is(await orders(), 20, `${switcher}: the smuggled DELETE ran`);
  c.destroy();
}

test("an encoding alias or a write to pg_settings is denied by the policy, so nothing can be smuggled after it", async () => {
  await deniedThenSmuggle(await session(), "SET client_encoding = 'WIN950'");
  await deniedThenSmuggle(await session(), "UPDATE pg_settings SET setting = 'BIG5' WHERE name = 'client_encoding'");
});

test("a function switching to a client-only encoding, which the policy cannot see into, ends the session", async () => {
  // A function an administrator created (someone who sees no masked column may call it).
  await g.pg.query("CREATE FUNCTION switch_encoding() RETURNS text LANGUAGE sql AS $$ SELECT set_config('client_encoding', 'GBK', false) $$");
  await switchThenSmuggle(await session(PII_READER), "SELECT switch_encoding()");
  const ended = g.events.filter((e) => e.type === "session_end" && e.reason.startsWith("client encoding"));
  assert.is(ended.length, 1);
});

test("the switch and the smuggled statement sent together: the statement waits, and never runs", async () => {
  const c = await session(PII_READER);
  const from = c.bytes.length;
  c.send(queryMessage("SELECT switch_encoding()"), PAYLOAD);
  await c.waitClosed(5000);
  assert.is(c.errors(from).find((e) => e.severity === "FATAL")?.code, "0A000");
  assert.is(await orders(), 20, "the pipelined DELETE ran");
});

test("a server-side encoding such as LATIN1 is fine, and the session goes on", async () => {
  const c = await session();
  const answer = await c.exchange(2, queryMessage("SET client_encoding = 'LATIN1'"), queryMessage("SELECT count(*) FROM orders"));
  assert.equal(c.errors(), []);
  assert.ok(answer.some((m) => m.type === "D" && m.body.includes("20")));
  c.destroy();
});

test.run();
