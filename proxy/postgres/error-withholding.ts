import { readErrorFields } from "./protocol/backend-messages.js";
import { MessageWriter } from "./protocol/message-writer.js";

/**
 * The server's error and notice messages quote the values they fail on: `invalid input syntax for type
 * integer: "123-45-6789"`, `Failing row contains (1, null, ada@example.com, …)`, a JSON parser's context
 * line. For a caller with masked columns, the text of such a message is withheld: the client still gets
 * the message, its severity and SQLSTATE, and the names of the objects involved.
 *
 * Passed as they are: messages with a position (P), raised while the server analysed the client's own
 * text, so whatever they quote the client wrote; and SQLSTATEs whose messages name objects, settings or
 * the session's state, never a value read from a row. See
 * https://www.postgresql.org/docs/current/protocol-error-fields.html and errcodes-appendix.html.
 */

/** Classes (first two characters) and codes whose messages never quote row values. */
const QUOTE_NO_VALUES = new Set([
  "08", // connection exception
  "25", // invalid transaction state
  "28", // invalid authorization
  "3D", // invalid catalog name
  "40", // transaction rollback: serialization failure, deadlock
  "53", // insufficient resources
  "54", // program limit exceeded
  "55", // object not in prerequisite state: lock not available
  "57", // operator intervention: cancel, shutdown
  "0A000", // feature not supported
  "26000", // invalid SQL statement name: a prepared statement the client named
  "34000", // invalid cursor name: a cursor the client named
  "42P03", // duplicate cursor
  "42P05", // duplicate prepared statement
  "2BP01", // dependent objects still exist
  "42501", // insufficient privilege
  "42P06", // duplicate schema
  "42P07", // duplicate table
  "42710", // duplicate object
  "42723", // duplicate function
]);

/** What is kept of a withheld message: severity, SQLSTATE, the objects named, where in the server. */
const KEPT = new Set(["S", "V", "C", "s", "t", "c", "d", "n", "F", "L", "R"]);

/**
 * The ErrorResponse or NoticeResponse (`type` "E" or "N", `body` its fields) to send a caller with masked
 * columns, or undefined to send the original.
 */
export function withholdValues(type: "E" | "N", body: Buffer): Buffer | undefined {
  const fields = readErrorFields(body);
  const code = fields.C ?? "";
  if (fields.P !== undefined || QUOTE_NO_VALUES.has(code) || QUOTE_NO_VALUES.has(code.slice(0, 2))) return undefined;
  const w = new MessageWriter();
  for (const [key, value] of Object.entries(fields)) {
    if (KEPT.has(key)) w.byte(key.charCodeAt(0)).cstring(value);
  }
  w.byte(0x4d).cstring(`Portcullis withheld the target's message (SQLSTATE ${code}): it may quote values of columns masked for you`);
  return w.byte(0).finish(type);
}
