import { BodyReader } from "./protocol/body-reader.js";

/**
 * Client-only encodings: their multibyte characters can end in an ASCII byte such as a backslash, so
 * the same bytes are different SQL to the server than to the gateway's UTF-8 parser (a quote the
 * policy saw escaped closes a string on the server). Named as the server reports them once it has
 * resolved an alias (`SET client_encoding = 'WIN950'` is reported as BIG5).
 * https://www.postgresql.org/docs/current/multibyte.html#MULTIBYTE-CHARSET-SUPPORTED
 */
const CLIENT_ONLY_ENCODINGS = new Set(["SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030", "JOHAB"]);

/** The encoding a ParameterStatus body reports, when it is a client encoding the gateway cannot read SQL in. */
export function unreadableClientEncoding(parameterStatus: Buffer): string | undefined {
  const r = new BodyReader(parameterStatus);
  if (r.cstring() !== "client_encoding") return undefined;
  const value = r.cstring();
  return CLIENT_ONLY_ENCODINGS.has(value.toUpperCase()) ? value : undefined;
}
