import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { canonicalEncoding } from "../../proxy/postgres/client-encoding.js";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { errorOf, passwordMessage, WireClient } from "../support/pg-wire.js";

/**
 * Every session reaches the target as one role, so a table lock one of them takes stalls the others:
 * locks stronger than ROW EXCLUSIVE are for admins. Encoding names are read as the server reads them,
 * with the server itself as the oracle.
 */

const DBA: Identity = { subject: "dana@example.com", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const STRONG = ["SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"];
const WEAK = ["ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE"];

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
});
test.after(async () => {
  await g?.stop();
});

async function connect(who?: Identity): Promise<pg.Client> {
  const client = new pg.Client({ host: "127.0.0.1", port: g.gateway.port, user: "token", database: "demo", password: await g.token(who) });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

async function codeOf(client: pg.Client, sql: string): Promise<string | undefined> {
  return client.query(sql).then(
    () => "ok",
    (error: { code?: string }) => error.code,
  );
}

test("locks stronger than ROW EXCLUSIVE are refused to alice, in every spelling, and the table stays free", async () => {
  const alice = await connect();
  for (const sql of [...STRONG.map((mode) => `LOCK TABLE orders IN ${mode} MODE`), "LOCK orders", "LOCK TABLE ONLY public.orders NOWAIT", "lock users, orders in share mode"]) {
    assert.is(await codeOf(alice, "BEGIN"), "ok");
    assert.is(await codeOf(alice, sql), "42501", sql);
    assert.is(await codeOf(alice, "ROLLBACK"), "ok");
  }
  for (const mode of WEAK) {
    assert.is(await codeOf(alice, "BEGIN"), "ok");
    assert.is(await codeOf(alice, `LOCK TABLE orders IN ${mode} MODE`), "ok", mode);
    assert.is(await codeOf(alice, "ROLLBACK"), "ok");
  }
  await alice.end();
});

test("an admin may take an ACCESS EXCLUSIVE lock", async () => {
  const dana = await connect(DBA);
  assert.is(await codeOf(dana, "BEGIN"), "ok");
  assert.is(await codeOf(dana, "LOCK TABLE orders"), "ok");
  assert.is(await codeOf(dana, "ROLLBACK"), "ok");
  await dana.end();
});

/** Spellings the server folds to one name, names it does not know, and names near the table's. */
const ENCODING_NAMES = [
  "S/JIS", "s.j.i.s", " sjis ", "Shift-JIS", "SHIFT_JIS_2004", "mskanji", "win_932", "Windows-950", "big-5", "GB-18030", "gbk",
  "u.h.c", "JOHAB", "cp932", "cp950", "utf-8", "UTF_8", "Unicode", "latin-1", "ISO-8859-15", "iso_8859_5", "KOI8", "koi8-u",
  "WIN-1252", "sql_ascii", "euc-jp", "EUC_JIS_2004", "mule_internal", "utf9", "", "ut/f8", "\u212aoi8",
  "sjis-with-a-name-longer-than-the-server-ever-reads-as-an-encoding-x",
];

test("encoding names resolve to what the server itself resolves them to", async () => {
  const direct = new pg.Client({ host: g.pg.host, port: g.pg.port, user: "gateway", database: g.pg.database, password: g.target.password });
  await direct.connect();
  for (const name of ENCODING_NAMES) {
    const server = (await direct.query<{ name: string }>("SELECT pg_encoding_to_char(pg_char_to_encoding($1)) AS name", [name])).rows[0]!.name;
    assert.is(canonicalEncoding(name) ?? "", server, JSON.stringify(name));
  }
  await direct.end();
});

test("SET client_encoding: client-only encodings under any spelling and unknown names are refused, others answered as the server answers", async () => {
  const alice = await connect();
  const direct = new pg.Client({ host: g.pg.host, port: g.pg.port, user: "gateway", database: g.pg.database, password: g.target.password });
  await direct.connect();
  const clientOnly = new Set(["SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030", "JOHAB"]);
  for (const name of ENCODING_NAMES) {
    const canonical = canonicalEncoding(name);
    const set = `SET client_encoding = '${name.replace(/'/g, "''")}'`;
    const code = await codeOf(alice, set);
    if (canonical === undefined || clientOnly.has(canonical)) {
      assert.is(code, "42501", `${name} is refused`);
      continue;
    }
    // Not refused by the gateway: the server decides (it has no conversion to MULE_INTERNAL, say).
    assert.is(code, await codeOf(direct, set), `${name} as on the server`);
    await codeOf(alice, "SET client_encoding = 'UTF8'");
    await codeOf(direct, "SET client_encoding = 'UTF8'");
  }
  assert.equal((await alice.query("SELECT 1 AS one")).rows, [{ one: 1 }]);
  await alice.end();
  await direct.end();
});

/** A startup message with exactly these parameters (pg-protocol's own always appends client_encoding UTF8). */
function rawStartup(parameters: Record<string, string>): Buffer {
  const pairs = Object.entries(parameters).flatMap(([k, v]) => [Buffer.from(`${k}\0${v}\0`, "utf8")]);
  const body = Buffer.concat([...pairs, Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

test("a client_encoding startup parameter is read the same way", async () => {
  for (const [encoding, refused] of [["S/JIS", true], ["win-950", true], ["no-such-encoding", true], ["utf-8", false]] as const) {
    const client = await WireClient.open(g.gateway.port);
    client.send(rawStartup({ user: "alice", database: "demo", client_encoding: encoding }));
    await client.next("R");
    client.send(passwordMessage(await g.token()));
    if (refused) {
      const error = errorOf((await client.next("E")).body);
      assert.is(error.code, "0A000", encoding);
    } else await client.next("Z");
    client.destroy();
  }
});

test.run();
