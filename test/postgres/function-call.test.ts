import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { Identity } from "../../engine/policy/types.js";
import { ALICE, startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { frontendMessage, queryMessage, splitMessages, wireLogin, type BackendMessage } from "../support/pg-wire.js";
import { run } from "../support/run.js";

/**
 * The FunctionCall message (libpq's large-object API: psql's \lo_import and \lo_export, psycopg2's
 * lobject) works through the gateway as it does directly. Each call is looked up by OID in the
 * target's catalog, decided as the SQL statement it amounts to and audited; a caller the policy
 * refuses gets 42501, the same refusal as the SQL form.
 */

const CONTRACTOR: Identity = { subject: "carl@example.com", issuer: "https://idp.test", groups: ["contractors"], kind: "human", claims: {} };
const NO_LARGE_OBJECTS = `package portcullis.sql

deny contains "large objects are not for contractors" if {
	"contractors" in input.identity.groups
	some statement in input.action.statements
	some effect in object.get(statement, "side_effects", [])
	effect.kind == "large_object"
}
`;

let g: GatewayUnderTest;
let policy: string;
let work: string;

test.before(async () => {
  policy = mkdtempSync(join(tmpdir(), "portcullis-fncall-policy-"));
  cpSync(defaultPolicyDir, policy, { recursive: true });
  writeFileSync(join(policy, "sql", "no_large_objects.rego"), NO_LARGE_OBJECTS);
  work = mkdtempSync(join(tmpdir(), "portcullis-fncall-"));
  g = await startGatewayUnderTest({ policyDir: policy });
});
test.after(async () => {
  await g?.stop();
  rmSync(policy, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

type Side = "direct" | "gateway";

async function psqlEnv(side: Side, who: Identity = ALICE): Promise<NodeJS.ProcessEnv> {
  if (side === "gateway") return { ...(await g.env(who)), PGUSER: who.subject };
  return { ...process.env, PGHOST: g.pg.host, PGPORT: String(g.pg.port), PGUSER: g.pg.superuser, PGPASSWORD: g.pg.password, PGDATABASE: g.pg.database, PGSSLMODE: "disable" };
}

const psql = async (side: Side, command: string, who?: Identity) => run("psql", ["-X", "-v", "VERBOSITY=verbose", "-c", command], await psqlEnv(side, who));

test("\\lo_import and \\lo_export work through the gateway as directly, and each call is audited as its SQL form", async () => {
  const file = join(work, "in.bin");
  const content = randomBytes(50_000);
  writeFileSync(file, content);
  const oids: string[] = [];
  for (const side of ["direct", "gateway"] as const) {
    const imported = await psql(side, `\\lo_import ${file}`);
    assert.is(imported.code, 0, `${side}: ${imported.stderr}`);
    const oid = /^lo_import (\d+)$/m.exec(imported.stdout)?.[1];
    assert.ok(oid, `${side}: ${imported.stdout}`);
    oids.push(oid);
    const out = join(work, `out-${side}.bin`);
    const exported = await psql(side, `\\lo_export ${oid} ${out}`);
    assert.is(exported.code, 0, `${side}: ${exported.stderr}`);
    assert.ok(readFileSync(out).equals(content), `${side}: the exported object differs from the imported file`);
  }
  const stored = await g.pg.query<{ same: boolean }>(`SELECT lo_get(${oids[0]}) = lo_get(${oids[1]}) AS same`);
  assert.is(stored.rows[0]?.same, true);
  const requests = g.events.flatMap((e) => (e.type === "decision" ? [e.request.text] : []));
  assert.ok(requests.some((r) => /^SELECT "pg_catalog"\."lowrite"\(\$1::integer, \$2::bytea\)$/.test(r)), requests.join("\n"));
  assert.ok(requests.some((r) => r.startsWith(`SELECT "pg_catalog"."lo_open"(`)));
  const writes = new Set(g.events.flatMap((e) => (e.type === "decision" && e.request.text.startsWith(`SELECT "pg_catalog"."lowrite"(`) ? [`${e.session_id}/${e.request_id}`] : [])));
  const results = g.events.filter((e) => e.type === "result" && writes.has(`${e.session_id}/${e.request_id}`));
  assert.ok(results.length > 0 && results.every((e) => e.type === "result" && "kind" in e.result && e.result.kind === "sql" && e.result.command_tag === "FUNCTION CALL"), "each call's result is recorded under its decision");
});

test("a caller the policy refuses large objects gets 42501 from the function call, as from its SQL form", async () => {
  const file = join(work, "denied.bin");
  writeFileSync(file, "secret");
  const before = await g.pg.query<{ n: string }>("SELECT count(*) AS n FROM pg_largeobject_metadata");
  const r = await psql("gateway", `\\lo_import ${file}`, CONTRACTOR);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /42501/);
  assert.match(r.stderr, /large objects are not for contractors/);
  const sql = await psql("gateway", "SELECT lo_creat(-1)", CONTRACTOR);
  assert.match(sql.stderr, /42501: Portcullis denied this statement: large objects are not for contractors/);
  const after = await g.pg.query<{ n: string }>("SELECT count(*) AS n FROM pg_largeobject_metadata");
  assert.is(after.rows[0]?.n, before.rows[0]?.n, "a large object was created for a refused caller");
});

/** A FunctionCall message: OID, text-format arguments, text result. */
function functionCall(oid: number, args: Array<string | null>): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(8);
  head.writeUInt32BE(oid >>> 0, 0);
  head.writeInt16BE(1, 4);
  head.writeInt16BE(0, 6);
  parts.push(head);
  const count = Buffer.alloc(2);
  count.writeInt16BE(args.length, 0);
  parts.push(count);
  for (const arg of args) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(arg === null ? -1 : Buffer.byteLength(arg), 0);
    parts.push(length);
    if (arg !== null) parts.push(Buffer.from(arg));
  }
  parts.push(Buffer.from([0, 0]));
  return frontendMessage("F", Buffer.concat(parts));
}

/** Sends `message` on a fresh session and returns every byte answered up to ReadyForQuery. */
async function answers(side: Side, messages: Buffer[]): Promise<BackendMessage[][]> {
  const out: BackendMessage[][] = [];
  if (side === "gateway") {
    const client = await wireLogin(g.gateway.port, { user: "alice", database: "demo", password: await g.token() });
    for (const message of messages) out.push(await client.exchange(1, message));
    client.destroy();
    return out;
  }
  // Directly: node-postgres logs in (SCRAM), then its socket is taken over for raw messages.
  const client = await g.pg.connect();
  client.on("error", () => undefined);
  const stream = (client as unknown as { connection: { stream: import("node:net").Socket } }).connection.stream;
  stream.removeAllListeners("data");
  let bytes = Buffer.alloc(0);
  for (const message of messages) {
    const from = bytes.length;
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer): void => {
        bytes = Buffer.concat([bytes, chunk]);
        if (splitMessages(bytes, from).some((m) => m.type === "Z")) {
          stream.removeListener("data", onData);
          resolve();
        }
      };
      stream.on("data", onData);
      stream.write(message);
    });
    out.push(splitMessages(bytes, from));
  }
  stream.destroy();
  return out;
}

function shape(messages: BackendMessage[]): string[] {
  return messages.map((m) => (m.type === "E" ? `E:${/\0C([^\0]*)/.exec(m.body.toString("latin1"))?.[1]}:${/\0M([^\0]*)/.exec(m.body.toString("latin1"))?.[1]}` : m.type === "V" ? `V:${m.body.toString("latin1")}` : m.type));
}

test("function calls by OID get the server's answers: a value, an unknown OID, a wrong argument count, a set-returning function", async () => {
  const oidOf = async (fn: string): Promise<number> => Number((await g.pg.query<{ oid: string }>(`SELECT '${fn}'::regprocedure::oid AS oid`)).rows[0]!.oid);
  const sum = await oidOf("pg_catalog.int4pl(int4,int4)");
  const series = await oidOf("pg_catalog.generate_series(int4,int4)");
  const messages = [functionCall(sum, ["2", "40"]), functionCall(4_000_000_000, []), functionCall(sum, ["1"]), functionCall(series, ["1", "2"]), queryMessage("SELECT 'still usable'")];
  const direct = (await answers("direct", messages)).map(shape);
  const gateway = (await answers("gateway", messages)).map(shape);
  assert.equal(direct[0], ["V:\u0000\u0000\u0000\u000242", "Z"]);
  assert.equal(gateway, direct);
});

test("a function that reads a masked column is refused by OID exactly as in SQL", async () => {
  await g.pg.query("CREATE FUNCTION public.email_of(int) RETURNS text LANGUAGE sql AS 'SELECT email FROM users WHERE id = $1'");
  const oid = Number((await g.pg.query<{ oid: string }>("SELECT 'public.email_of(int)'::regprocedure::oid AS oid")).rows[0]!.oid);
  const [byOid] = await answers("gateway", [functionCall(oid, ["1"])]);
  const text = Buffer.concat(byOid!.map((m) => m.body)).toString("latin1");
  assert.not.match(text, /ada@example\.com/);
  assert.equal(shape(byOid!).map((s) => s.slice(0, 8)), ["E:42501:", "Z"]);
  const sql = await psql("gateway", "SELECT public.email_of(1)");
  assert.match(sql.stderr, /42501/);
  assert.not.match(sql.stdout, /ada@example\.com/);
});

test("functions the policy refuses in SQL are refused by OID with the same reason", async () => {
  const calls: Array<[string, Array<string | null>, string]> = [
    ["pg_catalog.set_config(text,text,boolean)", ["role", "postgres", "false"], "SELECT pg_catalog.set_config('role', 'postgres', false)"],
    ["pg_catalog.pg_read_file(text)", ["postgresql.conf"], "SELECT pg_catalog.pg_read_file('postgresql.conf')"],
    ["pg_catalog.pg_terminate_backend(integer,bigint)", ["1", "0"], "SELECT pg_catalog.pg_terminate_backend(1, 0)"],
    ["pg_catalog.lo_import(text)", ["/etc/passwd"], "SELECT pg_catalog.lo_import('/etc/passwd')"],
  ];
  for (const [signature, args, sql] of calls) {
    const oid = Number((await g.pg.query<{ oid: string }>(`SELECT '${signature}'::regprocedure::oid AS oid`)).rows[0]!.oid);
    const [byOid] = await answers("gateway", [functionCall(oid, args)]);
    const error = byOid!.find((m) => m.type === "E");
    assert.ok(error, `${signature} was not refused`);
    const text = error!.body.toString("utf8");
    assert.match(text, /C42501\0/, signature);
    const reason = /Portcullis denied this (?:statement|function call|request): ([^\0]*)/.exec(text)?.[1];
    const viaSql = await psql("gateway", sql);
    assert.match(viaSql.stderr, /42501/, sql);
    assert.ok(reason && viaSql.stderr.includes(reason), `${signature}: ${reason} / ${viaSql.stderr}`);
  }
});

test("a malformed function call gets the server's ERROR and the session goes on", async () => {
  const oid = Number((await g.pg.query<{ oid: string }>("SELECT 'pg_catalog.int4pl(int4,int4)'::regprocedure::oid AS oid")).rows[0]!.oid);
  const i16 = (v: number): Buffer => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
  const i32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return b;
  };
  const bodies = [
    Buffer.from([0, 0]),
    Buffer.concat([i32(oid), i16(-1), i16(0), i16(0)]),
    Buffer.concat([i32(oid), i16(1), i16(7), i16(2), i32(1), Buffer.from("1"), i32(1), Buffer.from("2"), i16(0)]),
    Buffer.concat([i32(oid), i16(0), i16(2), i32(1), Buffer.from("1"), i32(1), Buffer.from("2"), i16(5)]),
    Buffer.concat([i32(oid), i16(0), i16(2), i32(10), Buffer.from("1")]),
    Buffer.concat([i32(oid), i16(2), i16(0), i16(0), i16(1), i32(1), Buffer.from("1"), i16(0)]),
    Buffer.concat([i32(oid), i16(0), i16(-1), i16(0)]),
    Buffer.concat([i32(oid), i16(0), i16(2), i32(1), Buffer.from("1"), i32(1), Buffer.from("2"), i16(0), Buffer.from("xx")]),
    Buffer.concat([i32(oid), i16(0), i16(2), i32(-1), i32(1), Buffer.from("2"), i16(0)]),
    Buffer.concat([i32(oid), i16(0), i16(2), i32(-5), i32(1), Buffer.from("2"), i16(0)]),
  ];
  const messages = [...bodies.map((b) => frontendMessage("F", b)), queryMessage("SELECT 'still usable'")];
  // SQLSTATEs only: a caller with masked columns gets the server's runtime messages withheld.
  const codes = (ms: BackendMessage[]): string[] => shape(ms).map((m) => m.replace(/^(E:[^:]*):.*$/s, "$1"));
  const direct = (await answers("direct", messages)).map(codes);
  const gateway = (await answers("gateway", messages)).map(codes);
  assert.equal(gateway, direct);
  assert.equal(direct[direct.length - 1], ["T", "D", "C", "Z"]);
});

test.run();
