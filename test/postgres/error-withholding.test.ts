import { test } from "uvu";
import * as assert from "uvu/assert";
import { withholdValues } from "../../proxy/postgres/error-withholding.js";
import { readErrorFields } from "../../proxy/postgres/protocol/backend-messages.js";
import { MessageWriter } from "../../proxy/postgres/protocol/message-writer.js";

/** The body of an ErrorResponse or NoticeResponse with these fields, as a server sends it. */
function body(fields: Record<string, string>): Buffer {
  const w = new MessageWriter();
  for (const [key, value] of Object.entries(fields)) w.byte(key.charCodeAt(0)).cstring(value);
  return w.byte(0).finish("E").subarray(5);
}

const CAST = { S: "ERROR", V: "ERROR", C: "22P02", M: 'invalid input syntax for type integer: "123-45-6789"', F: "numutils.c", L: "616", R: "pg_strtoint32_safe" };

test("a runtime error keeps its severity, SQLSTATE and origin, and loses the text that quotes the value", () => {
  const out = withholdValues("E", body({ ...CAST, D: "Token \"ada\" is invalid.", W: "JSON data, line 1: ada...", H: "hint", q: "SELECT ssn", p: "3", t: "users", c: "ssn" }));
  assert.ok(out);
  assert.is(String.fromCharCode(out[0]!), "E");
  assert.is(out.readInt32BE(1), out.length - 1);
  const fields = readErrorFields(out.subarray(5));
  assert.equal(Object.keys(fields).sort(), ["C", "F", "L", "M", "R", "S", "V", "c", "t"]);
  assert.is(fields.C, "22P02");
  assert.is(fields.t, "users");
  assert.match(fields.M!, /^Portcullis withheld the target's message \(SQLSTATE 22P02\)/);
  assert.not.ok(out.includes("123-45") || out.includes("ada"));
});

test("a constraint violation loses its failing row", () => {
  const out = withholdValues("E", body({ S: "ERROR", V: "ERROR", C: "23502", M: 'null value in column "name" of relation "users" violates not-null constraint', D: "Failing row contains (1, null, ada@example.com, 123-45-6789, 36).", n: "users_name_not_null" }));
  const fields = readErrorFields(out!.subarray(5));
  assert.is(fields.D, undefined);
  assert.is(fields.n, "users_name_not_null");
});

test("an error with a position was found in the client's own text and passes as it is", () => {
  assert.is(withholdValues("E", body({ S: "ERROR", V: "ERROR", C: "42703", M: 'column "emial" does not exist', P: "8" })), undefined);
  assert.is(withholdValues("E", body({ S: "ERROR", V: "ERROR", C: "22P02", M: 'invalid input syntax for type integer: "abc"', P: "8" })), undefined);
});

test("SQLSTATEs whose messages name only objects or the session's state pass as they are", () => {
  for (const code of ["42501", "40P01", "40001", "57014", "25P02", "55P03", "0A000", "42P07"]) {
    assert.is(withholdValues("E", body({ S: "ERROR", V: "ERROR", C: code, M: "m" })), undefined, code);
  }
  for (const code of ["22012", "23505", "42P01", "42704", "P0001", "XX000", "00000"]) {
    assert.ok(withholdValues("E", body({ S: "ERROR", V: "ERROR", C: code, M: "m" })), code);
  }
});

test("a notice stays a notice", () => {
  const out = withholdValues("N", body({ S: "NOTICE", V: "NOTICE", C: "00000", M: "value: ada@example.com" }));
  assert.is(String.fromCharCode(out![0]!), "N");
  assert.is(readErrorFields(out!.subarray(5)).S, "NOTICE");
  assert.not.ok(out!.includes("ada@"));
});

test.run();
