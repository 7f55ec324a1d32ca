import { Socket } from "node:net";
import pg from "pg";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { binaryToText, canConvert, textToBinary, TYPE_OID } from "../../proxy/postgres/value-text.js";
import { startPostgres, type RunningPostgres } from "../support/postgres.js";

// Every value is fetched from a real server twice, as text and as binary, and the conversion must
// turn one into the other exactly, both ways. node-postgres asks for binary results (`binary: true`)
// but hands the values over decoded as UTF-8, which mangles arbitrary bytes; so the binary values are
// read from the very bytes the server sent, off the client's own socket.

let server: RunningPostgres;
let client: pg.Client;
let wire: WireTap;

test.before(async () => {
  server = await startPostgres({ settings: { TimeZone: "UTC", DateStyle: "ISO, MDY" } });
  wire = new WireTap();
  client = new pg.Client({ host: server.host, port: server.port, user: server.superuser, password: server.password, database: server.database, stream: () => wire.socket });
  await client.connect();
});
test.after(async () => {
  await client.end();
  await server.stop();
});

/** Splits what the server sends into messages and keeps the fields of every DataRow, as raw bytes. */
class WireTap {
  readonly socket = new Socket();
  rows: Array<Array<Buffer | null>> = [];
  private pending = Buffer.alloc(0);
  constructor() {
    this.socket.on("data", (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 5 && this.pending.length >= 1 + this.pending.readInt32BE(1)) {
        const end = 1 + this.pending.readInt32BE(1);
        if (this.pending[0] === 0x44) this.rows.push(dataRowFields(this.pending.subarray(5, end)));
        this.pending = this.pending.subarray(end);
      }
    });
  }
}

function dataRowFields(body: Buffer): Array<Buffer | null> {
  const fields: Array<Buffer | null> = [];
  let at = 2;
  for (let i = body.readInt16BE(0); i > 0; i--) {
    const length = body.readInt32BE(at);
    at += 4;
    fields.push(length < 0 ? null : Buffer.from(body.subarray(at, at + length)));
    at += Math.max(length, 0);
  }
  return fields;
}

/** Raw text values: no parsing by node-postgres. */
const raw = { getTypeParser: () => (value: unknown) => value } as unknown as pg.CustomTypesConfig;

async function fetch(sql: string, binary: boolean): Promise<{ oid: number; values: Array<string | Buffer> }> {
  wire.rows = [];
  const config = { text: sql, rowMode: "array", types: raw, binary, queryMode: binary ? "extended" : "simple" } as unknown as pg.QueryArrayConfig;
  const result = await client.query<string[]>(config);
  const field = result.fields[0];
  assert.ok(field);
  assert.is(field.format, binary ? "binary" : "text");
  assert.is(wire.rows.length, result.rows.length, "every row seen on the wire");
  const values = binary ? wire.rows.map((row) => row[0] ?? Buffer.alloc(0)) : result.rows.map((row) => String(row[0]));
  return { oid: field.dataTypeID, values };
}

/** Checks every SQL expression, cast to `type`, in both directions; returns the texts seen. */
async function roundTrip(type: string, oid: number, expressions: string[]): Promise<string[]> {
  const texts = await roundTripQuery(`SELECT v FROM (VALUES ${expressions.map((e) => `((${e})::${type})`).join(", ")}) AS t(v)`, oid);
  assert.is(texts.length, expressions.length);
  return texts;
}

/** Checks the one column of every row `sql` returns, of type `oid`, in both directions. */
async function roundTripQuery(sql: string, oid: number): Promise<string[]> {
  const text = await fetch(sql, false);
  const binary = await fetch(sql, true);
  assert.is(text.oid, oid, `the column has OID ${oid}`);
  assert.is(binary.values.length, text.values.length);
  binary.values.forEach((value, i) => {
    const bytes = Buffer.from(value);
    const printed = String(text.values[i]);
    assert.is(binaryToText(oid, bytes), printed, `row ${i}: binary ${bytes.toString("hex")} → text`);
    assert.equal(textToBinary(oid, printed)?.toString("hex"), bytes.toString("hex"), `row ${i}: text ${printed} → binary`);
  });
  return text.values.map(String);
}

/** Deterministic pseudo-random 32-bit words (xorshift), so a failing value can be reproduced. */
function* words(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield x >>> 0;
  }
}

function randomFloats(count: number, single: boolean): string[] {
  const out: string[] = [];
  const bits = words(single ? 0x9e3779b9 : 0x7f4a7c15);
  const buf = Buffer.alloc(8);
  while (out.length < count) {
    buf.writeUInt32BE(bits.next().value as number, 0);
    buf.writeUInt32BE(bits.next().value as number, 4);
    const value = single ? buf.readFloatBE(0) : buf.readDoubleBE(0);
    if (Number.isFinite(value)) out.push(`'${String(value)}'`);
  }
  return out;
}

test("bool, int2, int4, int8 and oid", async () => {
  assert.equal(await roundTrip("bool", TYPE_OID.bool, ["true", "false"]), ["t", "f"]);
  await roundTrip("int2", TYPE_OID.int2, ["0", "1", "-1", "32767", "-32768", "-300"]);
  await roundTrip("int4", TYPE_OID.int4, ["0", "42", "-42", "2147483647", "-2147483648", "65536"]);
  await roundTrip("int8", TYPE_OID.int8, ["0", "-1", "1234567890123", "9223372036854775807", "-9223372036854775808", "9007199254740993"]);
  await roundTrip("oid", TYPE_OID.oid, ["0", "26", "4294967295", "'pg_class'::regclass", "2147483648"]);
});

test("float8: negatives, zero signs, NaN, infinities, extremes, both notations, and 2000 random values", async () => {
  const texts = await roundTrip("float8", TYPE_OID.float8, [
    "0", "'-0'", "0.1", "-2.5", "1::float8/3", "pi()", "1e-5", "1e-4", "0.00012345", "1e14", "1e15", "123456789012345678",
    "1e100", "-1e-100", "'5e-324'", "'2.2250738585072014e-308'", "'1.7976931348623157e308'", "'NaN'", "'Infinity'", "'-Infinity'",
    "100", "123456.789", "2^53", "2^53 + 1",
  ]);
  assert.equal(texts.slice(0, 12), ["0", "-0", "0.1", "-2.5", "0.3333333333333333", "3.141592653589793", "1e-05", "0.0001", "0.00012345", "100000000000000", "1e+15", "1.2345678901234568e+17"]);
  await roundTrip("float8", TYPE_OID.float8, randomFloats(2000, false));
});

test("float4: negatives, NaN, infinities, denormals, both notations, and 2000 random values", async () => {
  const texts = await roundTrip("float4", TYPE_OID.float4, [
    "0", "'-0'", "0.1", "-1.5", "3.14159", "1e-5", "1e-4", "100000", "1e6", "16777216", "16777217", "123456.7", "'3.4028235e38'",
    "'1.17549435e-38'", "'1.4e-45'", "'NaN'", "'Infinity'", "'-Infinity'", "1::float4/3", "'8.589973e9'", "'2.3509886e-38'",
  ]);
  assert.equal(texts.slice(0, 9), ["0", "-0", "0.1", "-1.5", "3.14159", "1e-05", "0.0001", "100000", "1e+06"]);
  await roundTrip("float4", TYPE_OID.float4, randomFloats(2000, true));
});

test("numeric: signs, scales, many digits, special values", async () => {
  const texts = await roundTrip("numeric", TYPE_OID.numeric, [
    "0", "0.0", "'-0.000'", "1", "-1", "0.00001", "10000", "100000000", "-9999.9999", "1234.5::numeric(10,4)",
    "12345.678::numeric(10,-3)", "'1e20'::numeric", "'1.5e-10'::numeric", "1::numeric/3", "2::numeric ^ 200",
    "'123456789012345678901234567890.123456789012345678901234567890'", "'-0.00000000000000000001'", "'NaN'", "'Infinity'", "'-Infinity'",
    "9999", "0.9999", "'100000000.00000001'",
  ]);
  assert.equal(texts.slice(0, 11), ["0", "0.0", "0.000", "1", "-1", "0.00001", "10000", "100000000", "-9999.9999", "1234.5000", "12000"]);
  const random = [...Array(150)].map((_, i) => `'${i % 2 ? "-" : ""}${String(words(i + 1).next().value)}.${String(words(i + 77).next().value).slice(0, i % 12)}'`);
  await roundTrip("numeric", TYPE_OID.numeric, random);
});

test("text, varchar, bpchar, name: unicode, padding, control characters, long values", async () => {
  const sample = ["''", "'hello'", "'ünïcødé 🎉 日本語'", "E'tab\\there\\nnew line'", "'it''s'", "repeat('x', 10000)", "'  spaced  '"];
  assert.equal((await roundTrip("text", TYPE_OID.text, sample)).slice(0, 3), ["", "hello", "ünïcødé 🎉 日本語"]);
  await roundTrip("varchar", TYPE_OID.varchar, sample);
  assert.equal(await roundTrip("char(5)", TYPE_OID.bpchar, ["'ab'", "'ünï'", "''"]), ["ab   ", "ünï  ", "     "]);
  await roundTrip("name", TYPE_OID.name, ["'pg_class'", "'ünïcødé'", "''"]);
});

test("uuid, bytea, json, jsonb", async () => {
  await roundTrip("uuid", TYPE_OID.uuid, ["'00000000-0000-0000-0000-000000000000'", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "md5('portcullis')::uuid", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"]);
  assert.equal(await roundTrip("bytea", TYPE_OID.bytea, ["'\\x'", "'\\xDEADbeef'", "'abc'", "decode('00ff10', 'hex')"]), ["\\x", "\\xdeadbeef", "\\x616263", "\\x00ff10"]);
  const json = ["'{\"b\": [1, 2],   \"a\": 1}'", "'\"ünï 🎉\"'", "'null'", "'[]'", "'1.50'", "'{\"a\":1,\"a\":2}'"];
  assert.equal((await roundTrip("json", TYPE_OID.json, json))[0], '{"b": [1, 2],   "a": 1}');
  assert.equal((await roundTrip("jsonb", TYPE_OID.jsonb, json))[0], '{"a": 1, "b": [1, 2]}');
});

test("date: epochs, leap days, BC, the extremes and infinities", async () => {
  const texts = await roundTrip("date", TYPE_OID.date, [
    "'2000-01-01'", "'1999-12-31'", "'1970-01-01'", "'1900-03-01'", "'2024-02-29'", "'0001-01-01'", "'0001-12-31 BC'",
    "'0044-03-15 BC'", "'4714-11-24 BC'", "'5874897-12-31'", "'10000-01-01'", "'infinity'", "'-infinity'", "'1582-10-10'",
  ]);
  assert.equal(texts.slice(6, 13), ["0001-12-31 BC", "0044-03-15 BC", "4714-11-24 BC", "5874897-12-31", "10000-01-01", "infinity", "-infinity"]);
});

const TIMESTAMPS = [
  "'2000-01-01 00:00:00'", "'1999-12-31 23:59:59.999999'", "'1969-07-20 20:17:40'", "'1900-01-01 00:00:00.5'", "'1883-11-18 12:00:00'",
  "'0044-03-15 12:00:00 BC'", "'4713-01-01 00:00:00 BC'", "'294276-12-31 23:59:59.999999'", "'2024-02-29 12:34:56.123'",
  "'infinity'", "'-infinity'", "'1970-01-01 00:00:00.000001'", "'0001-01-01 00:00:00'",
];

test("timestamp: fractions, dates before 2000 and 1 AD, the extremes and infinities", async () => {
  const texts = await roundTrip("timestamp", TYPE_OID.timestamp, TIMESTAMPS);
  assert.equal(texts.slice(0, 8), [
    "2000-01-01 00:00:00", "1999-12-31 23:59:59.999999", "1969-07-20 20:17:40", "1900-01-01 00:00:00.5", "1883-11-18 12:00:00",
    "0044-03-15 12:00:00 BC", "4713-01-01 00:00:00 BC", "294276-12-31 23:59:59.999999",
  ]);
});

test("timestamptz is printed in UTC with +00, whatever offset it was written with", async () => {
  const texts = await roundTrip("timestamptz", TYPE_OID.timestamptz, [
    ...TIMESTAMPS, "'2024-06-01 12:00:00+05:30'", "'1850-01-01 00:00:00 America/New_York'", "'1999-12-31 23:00:00-02'",
  ]);
  assert.equal(texts.slice(-3), ["2024-06-01 06:30:00+00", "1850-01-01 04:56:02+00", "2000-01-01 01:00:00+00"]);
  assert.is(texts[5], "0044-03-15 12:00:00+00 BC");
});

test("dates and timestamps spread over their whole ranges, and numerics of every scale", async () => {
  // A fixed stride through each range (4714 BC to the last year each type takes), so every run
  // checks the same few thousand values.
  await roundTripQuery("SELECT DATE '2000-01-01' + (i::bigint * 715827883 % 2147451000 - 2451000)::int FROM generate_series(1, 3000) AS i", TYPE_OID.date);
  const offset = "((i::bigint * 104729 * 7 % 109150000 - 2451000) || ' days')::interval + ((i::bigint * 2654435761 % 86400000000) || ' microseconds')::interval";
  await roundTripQuery(`SELECT TIMESTAMP '2000-01-01' + ${offset} FROM generate_series(1, 3000) AS i`, TYPE_OID.timestamp);
  await roundTripQuery(`SELECT TIMESTAMPTZ '2000-01-01Z' + ${offset} FROM generate_series(1, 3000) AS i`, TYPE_OID.timestamptz);
  await roundTripQuery("SELECT round((i::numeric * 7919 - 5000000) / 10::numeric ^ (i % 23), i % 31 - 5) FROM generate_series(1, 3000) AS i", TYPE_OID.numeric);
});

test("types it cannot convert, and malformed values, give undefined", () => {
  const interval = 1186;
  assert.is(canConvert(interval), false);
  assert.is(binaryToText(interval, Buffer.alloc(16)), undefined);
  assert.is(textToBinary(interval, "1 day"), undefined);
  for (const oid of Object.values(TYPE_OID)) assert.ok(canConvert(oid), String(oid));
  assert.is(binaryToText(TYPE_OID.int4, Buffer.alloc(3)), undefined, "wrong width");
  assert.is(binaryToText(TYPE_OID.text, Buffer.from([0xc3, 0x28])), undefined, "invalid UTF-8");
  assert.is(binaryToText(TYPE_OID.jsonb, Buffer.from([2, 0x7b, 0x7d])), undefined, "unknown jsonb version");
  assert.is(binaryToText(TYPE_OID.numeric, Buffer.from("0001000000000000" + "2710", "hex")), undefined, "digit 10000");
  assert.is(binaryToText(TYPE_OID.numeric, Buffer.from("000200000000000000010002", "hex").subarray(0, 10)), undefined, "truncated digits");
  assert.is(binaryToText(TYPE_OID.uuid, Buffer.alloc(15)), undefined);
  assert.is(binaryToText(TYPE_OID.date, Buffer.from("80000001", "hex")), undefined, "before 4714-11-24 BC");
  assert.is(textToBinary(TYPE_OID.int2, "32768"), undefined);
  assert.is(textToBinary(TYPE_OID.int4, "****"), undefined);
  assert.is(textToBinary(TYPE_OID.date, "2023-02-29"), undefined);
  assert.is(textToBinary(TYPE_OID.timestamp, "2023-01-01 24:00:00"), undefined);
  assert.is(textToBinary(TYPE_OID.bool, "true"), undefined, "only the form PostgreSQL prints");
  assert.is(binaryToText(TYPE_OID.int4, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 42]).subarray(4)), "42", "views into larger buffers");
});

test.run();
