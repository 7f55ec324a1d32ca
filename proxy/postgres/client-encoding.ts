import { BodyReader } from "./protocol/body-reader.js";

/**
 * Encoding names as the server reads them. PostgreSQL looks a name up after lowercasing it and
 * dropping every character that is not an ASCII letter or digit ("S/JIS", "Shift-JIS", "win_950" are
 * SJIS, SJIS and BIG5), in a fixed table of aliases; a name of 64 bytes or more is unknown. The
 * canonical name is the one the server reports in ParameterStatus once it has resolved an alias.
 * https://www.postgresql.org/docs/current/multibyte.html#MULTIBYTE-CHARSET-SUPPORTED
 */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["abc", "WIN1258"],
  ["alt", "WIN866"],
  ["big5", "BIG5"],
  ["euccn", "EUC_CN"],
  ["eucjis2004", "EUC_JIS_2004"],
  ["eucjp", "EUC_JP"],
  ["euckr", "EUC_KR"],
  ["euctw", "EUC_TW"],
  ["gb18030", "GB18030"],
  ["gbk", "GBK"],
  ["iso88591", "LATIN1"],
  ["iso885910", "LATIN6"],
  ["iso885913", "LATIN7"],
  ["iso885914", "LATIN8"],
  ["iso885915", "LATIN9"],
  ["iso885916", "LATIN10"],
  ["iso88592", "LATIN2"],
  ["iso88593", "LATIN3"],
  ["iso88594", "LATIN4"],
  ["iso88595", "ISO_8859_5"],
  ["iso88596", "ISO_8859_6"],
  ["iso88597", "ISO_8859_7"],
  ["iso88598", "ISO_8859_8"],
  ["iso88599", "LATIN5"],
  ["johab", "JOHAB"],
  ["koi8", "KOI8R"],
  ["koi8r", "KOI8R"],
  ["koi8u", "KOI8U"],
  ["latin1", "LATIN1"],
  ["latin10", "LATIN10"],
  ["latin2", "LATIN2"],
  ["latin3", "LATIN3"],
  ["latin4", "LATIN4"],
  ["latin5", "LATIN5"],
  ["latin6", "LATIN6"],
  ["latin7", "LATIN7"],
  ["latin8", "LATIN8"],
  ["latin9", "LATIN9"],
  ["mskanji", "SJIS"],
  ["muleinternal", "MULE_INTERNAL"],
  ["shiftjis", "SJIS"],
  ["shiftjis2004", "SHIFT_JIS_2004"],
  ["sjis", "SJIS"],
  ["sqlascii", "SQL_ASCII"],
  ["tcvn", "WIN1258"],
  ["tcvn5712", "WIN1258"],
  ["uhc", "UHC"],
  ["unicode", "UTF8"],
  ["utf8", "UTF8"],
  ["vscii", "WIN1258"],
  ["win", "WIN1251"],
  ["win1250", "WIN1250"],
  ["win1251", "WIN1251"],
  ["win1252", "WIN1252"],
  ["win1253", "WIN1253"],
  ["win1254", "WIN1254"],
  ["win1255", "WIN1255"],
  ["win1256", "WIN1256"],
  ["win1257", "WIN1257"],
  ["win1258", "WIN1258"],
  ["win866", "WIN866"],
  ["win874", "WIN874"],
  ["win932", "SJIS"],
  ["win936", "GBK"],
  ["win949", "UHC"],
  ["win950", "BIG5"],
  ["windows1250", "WIN1250"],
  ["windows1251", "WIN1251"],
  ["windows1252", "WIN1252"],
  ["windows1253", "WIN1253"],
  ["windows1254", "WIN1254"],
  ["windows1255", "WIN1255"],
  ["windows1256", "WIN1256"],
  ["windows1257", "WIN1257"],
  ["windows1258", "WIN1258"],
  ["windows866", "WIN866"],
  ["windows874", "WIN874"],
  ["windows932", "SJIS"],
  ["windows936", "GBK"],
  ["windows949", "UHC"],
  ["windows950", "BIG5"],
]);

/** NAMEDATALEN: the server treats a name this long or longer as unknown without looking it up. */
const NAME_LIMIT = 64;

/**
 * Client-only encodings: their multibyte characters can end in an ASCII byte such as a backslash, so
 * the same bytes are different SQL to the server than to the gateway's UTF-8 parser (a quote the
 * policy saw escaped closes a string on the server). Canonical names.
 */
const CLIENT_ONLY_ENCODINGS: ReadonlySet<string> = new Set(["SJIS", "SHIFT_JIS_2004", "BIG5", "GBK", "UHC", "GB18030", "JOHAB"]);

/** The canonical name the server resolves `name` to, or undefined when the server knows no such encoding. */
export function canonicalEncoding(name: string): string | undefined {
  if (name.length === 0 || Buffer.byteLength(name, "utf8") >= NAME_LIMIT) return undefined;
  // Non-ASCII characters go before case folding, as on the server: the Kelvin sign is no "k".
  return ALIASES.get(name.replace(/[^A-Za-z0-9]/g, "").toLowerCase());
}

/**
 * Whether a client may use `name` through the gateway: an encoding the server knows and the gateway's
 * parser reads as the server does. An unknown name is refused too (fail closed): the server would
 * refuse it, and a server with an alias the gateway does not know would read SQL in something else.
 */
export function acceptableClientEncoding(name: string): boolean {
  const canonical = canonicalEncoding(name);
  return canonical !== undefined && !CLIENT_ONLY_ENCODINGS.has(canonical);
}

/** The encoding a ParameterStatus body reports, when it is a client encoding the gateway cannot read SQL in. */
export function unreadableClientEncoding(parameterStatus: Buffer): string | undefined {
  const r = new BodyReader(parameterStatus);
  if (r.cstring() !== "client_encoding") return undefined;
  const value = r.cstring();
  return acceptableClientEncoding(value) ? undefined : value;
}
