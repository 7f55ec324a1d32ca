/**
 * PostgreSQL binary-format values ↔ the text PostgreSQL prints for them, for the common types, so the
 * gateway can mask a value that a client asked to receive in binary. Pure: bytes in, text out.
 *
 * The text is what a PostgreSQL 15 server sends in text format with its default settings
 * (DateStyle ISO, bytea_output hex, extra_float_digits 1, client_encoding UTF8), except that
 * timestamptz is always printed in UTC (`+00`), the binary value carrying no time zone.
 * Binary layouts: each type's *_send/*_recv function in the PostgreSQL sources, summarized at
 * https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES.
 *
 * Both directions return undefined for a type they do not know and for bytes or text that are not a
 * valid value of the type: the caller cannot mask what it cannot read, so it fails closed.
 */

/** Type OIDs from pg_type (catalog/pg_type.dat); fixed across PostgreSQL versions. */
export const TYPE_OID = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

type Codec = { decode(bytes: Buffer): string | undefined; encode(text: string): Buffer | undefined };

/** The text PostgreSQL would print for a binary-format value of type `typeOid`, or undefined. */
export function binaryToText(typeOid: number, value: Uint8Array): string | undefined {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return CODECS.get(typeOid)?.decode(bytes);
}

/** The binary-format value PostgreSQL would send for `text` (as it prints it), or undefined. */
export function textToBinary(typeOid: number, text: string): Buffer | undefined {
  return CODECS.get(typeOid)?.encode(text);
}

/** Whether values of this type can be converted (in both directions). */
export function canConvert(typeOid: number): boolean {
  return CODECS.has(typeOid);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Text types travel as their bytes in the client encoding; invalid UTF-8 is refused, not replaced. */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const textCodec: Codec = { decode: decodeUtf8, encode: (text) => Buffer.from(text, "utf8") };

// The JSONB binary format is a version byte (1, the only one there is) before the JSON text.
const JSONB_VERSION = 1;
const jsonbCodec: Codec = {
  decode: (bytes) => (bytes.length >= 1 && bytes[0] === JSONB_VERSION ? decodeUtf8(bytes.subarray(1)) : undefined),
  encode: (text) => Buffer.concat([Buffer.of(JSONB_VERSION), Buffer.from(text, "utf8")]),
};

function fixedWidth(size: number, read: (b: Buffer) => string, write: (text: string) => Buffer | undefined): Codec {
  return { decode: (bytes) => (bytes.length === size ? read(bytes) : undefined), encode: write };
}

function integerCodec(size: 2 | 4 | 8, min: bigint, max: bigint, unsigned = false): Codec {
  return fixedWidth(
    size,
    (b) => (size === 8 ? b.readBigInt64BE(0).toString() : String(size === 2 ? b.readInt16BE(0) : unsigned ? b.readUInt32BE(0) : b.readInt32BE(0))),
    (text) => {
      if (!(unsigned ? /^\d+$/ : /^-?\d+$/).test(text)) return undefined;
      const n = BigInt(text);
      if (n < min || n > max) return undefined;
      const out = Buffer.alloc(size);
      if (size === 8) out.writeBigInt64BE(n);
      else if (size === 2) out.writeInt16BE(Number(n));
      else if (unsigned) out.writeUInt32BE(Number(n));
      else out.writeInt32BE(Number(n));
      return out;
    },
  );
}

const boolCodec = fixedWidth(
  1,
  (b) => (b[0] === 0 ? "f" : "t"),
  (text) => (text === "t" ? Buffer.of(1) : text === "f" ? Buffer.of(0) : undefined),
);

const uuidCodec = fixedWidth(
  16,
  (b) => b.toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5"),
  (text) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text) ? Buffer.from(text.replaceAll("-", ""), "hex") : undefined),
);

const byteaCodec: Codec = {
  decode: (bytes) => `\\x${bytes.toString("hex")}`,
  encode: (text) => (/^\\x(?:[0-9a-fA-F]{2})*$/.test(text) ? Buffer.from(text.slice(2), "hex") : undefined),
};

// ---- float4, float8 -------------------------------------------------------------------------------

/**
 * PostgreSQL prints the shortest decimal that reads back as the same float (its Ryu output), in
 * fixed notation when the decimal exponent is from -4 to below 15 (float8) or 6 (float4), else as
 * `d.ddde+XX` with at least two exponent digits.
 */
function formatFloat(value: number, single: boolean): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const { digits, exponent } = shortestDecimal(Math.abs(value), single);
  const sign = value < 0 ? "-" : "";
  if (exponent >= -4 && exponent < (single ? 6 : 15)) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    if (digits.length <= exponent + 1) return sign + digits + "0".repeat(exponent + 1 - digits.length);
    return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/**
 * The decimal PostgreSQL prints for a positive finite float, as significant digits and the decimal
 * exponent of the first. It is the shortest decimal strictly inside the float's rounding interval,
 * the one nearest the float (ties to even). PostgreSQL builds Ryu without STRICTLY_SHORTEST, so a
 * decimal lying exactly halfway to a neighbouring float never counts, though it would read back by
 * round-half-even; JavaScript's own shortest form counts it, hence exact arithmetic here instead.
 */
function shortestDecimal(value: number, single: boolean): { digits: string; exponent: number } {
  const mantissaBits = single ? 23n : 52n;
  const bias = single ? 127 : 1023;
  const raw = Buffer.alloc(8);
  if (single) raw.writeFloatBE(value);
  else raw.writeDoubleBE(value);
  const bits = single ? BigInt(raw.readUInt32BE(0)) : raw.readBigUInt64BE(0);
  const fraction = bits & ((1n << mantissaBits) - 1n);
  const biased = Number(bits >> mantissaBits);
  // value = m × 2^e2 with two extra bits, so the interval's ends (halfway to the neighbours) are whole.
  const e2 = (biased === 0 ? 1 : biased) - bias - Number(mantissaBits) - 2;
  const m = 4n * (biased === 0 ? fraction : (1n << mantissaBits) | fraction);
  // Just above a power of two the float below is nearer, so the lower half-gap is half as wide.
  const lowerGap = fraction !== 0n || biased <= 1 ? 2n : 1n;
  const [scale, denominator] = e2 >= 0 ? [1n << BigInt(e2), 1n] : [1n, 1n << BigInt(-e2)];
  const [x, low, high] = [m * scale, (m - lowerGap) * scale, (m + 2n) * scale];
  // Try units 10^k from above the value downwards; the first with a multiple strictly inside wins.
  for (let k = Math.floor(Math.log10(value)) + 2; ; k--) {
    const unit = k >= 0 ? 10n ** BigInt(k) * denominator : denominator;
    const widen = k >= 0 ? 1n : 10n ** BigInt(-k);
    const [xs, lows, highs] = [x * widen, low * widen, high * widen];
    if ((lows / unit + 1n) * unit >= highs) continue;
    let n = xs / unit;
    const twice = 2n * (xs % unit);
    if (twice > unit || (twice === unit && n % 2n === 1n)) n += 1n;
    if (n * unit <= lows) n += 1n;
    if (n * unit >= highs) n -= 1n;
    const digits = n.toString();
    const significant = digits.replace(/0+$/, "");
    return { digits: significant, exponent: k + digits.length - 1 };
  }
}

const FLOAT_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$|^(?:-?Infinity|NaN)$/;

function parseFloatText(text: string): number | undefined {
  return FLOAT_TEXT.test(text) ? Number(text) : undefined;
}

function floatCodec(single: boolean): Codec {
  const size = single ? 4 : 8;
  return fixedWidth(
    size,
    (b) => formatFloat(single ? b.readFloatBE(0) : b.readDoubleBE(0), single),
    (text) => {
      const n = parseFloatText(text);
      if (n === undefined) return undefined;
      const out = Buffer.alloc(size);
      if (single) out.writeFloatBE(n);
      else out.writeDoubleBE(n);
      return out;
    },
  );
}

// ---- numeric --------------------------------------------------------------------------------------

// numeric_send: int16 ndigits, int16 weight (of the first base-10000 digit), uint16 sign,
// uint16 dscale (decimal digits shown after the point), then ndigits int16 base-10000 digits.
const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_SPECIAL: ReadonlyMap<number, string> = new Map([
  [0xc000, "NaN"],
  [0xd000, "Infinity"],
  [0xf000, "-Infinity"],
]);
// For NaN and the infinities the server sends as dscale the bits its short header keeps the scale
// in (mask 0x1F80, shift 7), which for these sign words come to 0, 32 and 32.
const specialDscale = (sign: number): number => (sign & 0x1f80) >> 7;
const NBASE = 10000;

function decodeNumeric(b: Buffer): string | undefined {
  if (b.length < 8) return undefined;
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readUInt16BE(6);
  const special = NUMERIC_SPECIAL.get(sign);
  if (special !== undefined) return ndigits === 0 ? special : undefined;
  if ((sign !== NUMERIC_POS && sign !== NUMERIC_NEG) || ndigits < 0 || b.length !== 8 + 2 * ndigits || dscale > 0x3fff) return undefined;
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) {
    const d = b.readInt16BE(8 + 2 * i);
    if (d < 0 || d >= NBASE) return undefined;
    digits.push(d);
  }
  // Digit i (0-based) stands at base-10000 position weight - i; positions with no digit are zero.
  const at = (position: number): number => digits[weight - position] ?? 0;
  let integer = "";
  for (let p = weight; p >= 0; p--) integer += p === weight ? String(at(p)) : String(at(p)).padStart(4, "0");
  let text = (sign === NUMERIC_NEG ? "-" : "") + (integer === "" ? "0" : integer);
  if (dscale > 0) {
    let fraction = "";
    for (let p = -1; fraction.length < dscale; p--) fraction += String(at(p)).padStart(4, "0");
    text += `.${fraction.slice(0, dscale)}`;
  }
  return text;
}

function encodeNumeric(text: string): Buffer | undefined {
  for (const [sign, name] of NUMERIC_SPECIAL) if (text === name) return numericBytes(0, sign, specialDscale(sign), []);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, minus = "", integer = "", fraction = ""] = match;
  const intPart = integer.padStart(Math.ceil(integer.length / 4) * 4, "0");
  const fracPart = fraction.padEnd(Math.ceil(fraction.length / 4) * 4, "0");
  const groups = (intPart + fracPart).match(/.{4}/g)?.map(Number) ?? [];
  let weight = intPart.length / 4 - 1;
  // Stored numerics carry no leading or trailing zero digits, and zero is always positive.
  let first = 0;
  while (first < groups.length && groups[first] === 0) first++;
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  weight -= first;
  const digits = groups.slice(first, last);
  if (fraction.length > 0x3fff) return undefined;
  if (digits.length === 0) return numericBytes(0, NUMERIC_POS, fraction.length, []);
  return numericBytes(weight, minus ? NUMERIC_NEG : NUMERIC_POS, fraction.length, digits);
}

function numericBytes(weight: number, sign: number, dscale: number, digits: number[]): Buffer | undefined {
  if (digits.length > 0x7fff || weight > 0x7fff || weight < -0x8000) return undefined;
  const out = Buffer.alloc(8 + 2 * digits.length);
  out.writeInt16BE(digits.length, 0);
  out.writeInt16BE(weight, 2);
  out.writeUInt16BE(sign, 4);
  out.writeUInt16BE(dscale, 6);
  digits.forEach((d, i) => out.writeInt16BE(d, 8 + 2 * i));
  return out;
}

// ---- date, timestamp, timestamptz -----------------------------------------------------------------

// Dates count days and timestamps microseconds from 2000-01-01 (Julian day 2451545); the extreme
// values of their integer types stand for -infinity and infinity.
const POSTGRES_EPOCH_JDATE = 2451545;
const USECS_PER_DAY = 86_400_000_000n;
const DATE_MIN = -0x8000_0000;
const DATE_MAX = 0x7fff_ffff;
const TIMESTAMP_MIN = -(2n ** 63n);
const TIMESTAMP_MAX = 2n ** 63n - 1n;

/** Julian day → proleptic Gregorian year (0 = 1 BC), month, day: PostgreSQL's j2date. */
function j2date(jd: number): [number, number, number] {
  let julian = jd + 32044;
  let quad = Math.floor(julian / 146097);
  const extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + Math.floor(extra / 146097);
  quad = Math.floor(julian / 1461);
  julian -= quad * 1461;
  let y = Math.floor((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y += quad * 4;
  quad = Math.floor((julian * 2141) / 65536);
  return [y - 4800, ((quad + 10) % 12) + 1, julian - Math.floor((7834 * quad) / 256)];
}

/** Proleptic Gregorian year (0 = 1 BC), month, day → Julian day: PostgreSQL's date2j. */
function date2j(year: number, month: number, day: number): number {
  let y = year;
  let m = month;
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = Math.floor(y / 100);
  return y * 365 - 32167 + Math.floor(y / 4) - century + Math.floor(century / 4) + Math.floor((7834 * m) / 256) + day;
}

/** "YYYY-MM-DD" with at least four year digits, and the era apart: years before 1 AD print as BC. */
function formatDate(jd: number): { date: string; bc: boolean } {
  const [year, month, day] = j2date(jd);
  const bc = year <= 0;
  const shown = bc ? 1 - year : year;
  return { date: `${String(shown).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`, bc };
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

// The Julian day range PostgreSQL accepts: 4714-11-24 BC up to year 5874897 for dates, 294276 for timestamps.
const JULIAN_MIN = 0;
const DATE_JULIAN_MAX = date2j(5874898, 1, 1) - 1;
const TIMESTAMP_JULIAN_MAX = date2j(294277, 1, 1) - 1;

const dateCodec: Codec = {
  decode(b) {
    if (b.length !== 4) return undefined;
    const days = b.readInt32BE(0);
    if (days === DATE_MIN) return "-infinity";
    if (days === DATE_MAX) return "infinity";
    const jd = days + POSTGRES_EPOCH_JDATE;
    if (jd < JULIAN_MIN || jd > DATE_JULIAN_MAX) return undefined;
    const { date, bc } = formatDate(jd);
    return bc ? `${date} BC` : date;
  },
  encode(text) {
    const out = Buffer.alloc(4);
    if (text === "-infinity" || text === "infinity") {
      out.writeInt32BE(text === "infinity" ? DATE_MAX : DATE_MIN);
      return out;
    }
    const jd = parseDate(/^(\d{4,})-(\d\d)-(\d\d)( BC)?$/.exec(text));
    if (jd === undefined || jd > DATE_JULIAN_MAX) return undefined;
    out.writeInt32BE(jd - POSTGRES_EPOCH_JDATE);
    return out;
  },
};

/** A matched "YYYY-MM-DD[ … ][ BC]" → Julian day, or undefined for a day that does not exist. */
function parseDate(match: RegExpExecArray | null): number | undefined {
  if (!match) return undefined;
  const shown = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const bc = match[match.length - 1] !== undefined;
  if (shown === 0 || month < 1 || month > 12 || day < 1) return undefined;
  const year = bc ? 1 - shown : shown;
  const jd = date2j(year, month, day);
  // A day past the end of its month would land in the next one: refuse it rather than move it.
  const [y, m, d] = j2date(jd);
  if (y !== year || m !== month || d !== day || jd < JULIAN_MIN) return undefined;
  return jd;
}

function timestampCodec(withZone: boolean): Codec {
  const zone = withZone ? "+00" : "";
  return {
    decode(b) {
      if (b.length !== 8) return undefined;
      const usecs = b.readBigInt64BE(0);
      if (usecs === TIMESTAMP_MIN) return "-infinity";
      if (usecs === TIMESTAMP_MAX) return "infinity";
      let days = usecs / USECS_PER_DAY;
      let time = usecs - days * USECS_PER_DAY;
      if (time < 0n) {
        time += USECS_PER_DAY;
        days -= 1n;
      }
      const jd = Number(days) + POSTGRES_EPOCH_JDATE;
      if (jd < JULIAN_MIN || jd > TIMESTAMP_JULIAN_MAX) return undefined;
      const { date, bc } = formatDate(jd);
      const seconds = Number(time / 1_000_000n);
      const fraction = String(time % 1_000_000n).padStart(6, "0").replace(/0+$/, "");
      const clock = `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}${fraction ? `.${fraction}` : ""}`;
      return `${date} ${clock}${zone}${bc ? " BC" : ""}`;
    },
    encode(text) {
      const out = Buffer.alloc(8);
      if (text === "-infinity" || text === "infinity") {
        out.writeBigInt64BE(text === "infinity" ? TIMESTAMP_MAX : TIMESTAMP_MIN);
        return out;
      }
      const pattern = withZone
        ? /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\+00( BC)?$/
        : /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?( BC)?$/;
      const match = pattern.exec(text);
      const jd = parseDate(match);
      if (!match || jd === undefined || jd > TIMESTAMP_JULIAN_MAX) return undefined;
      const [hour, minute, second] = [4, 5, 6].map((i) => Number(match[i]));
      if (hour === undefined || minute === undefined || second === undefined || hour > 23 || minute > 59 || second > 59) return undefined;
      const micros = BigInt((match[7] ?? "").padEnd(6, "0"));
      const time = BigInt(hour * 3600 + minute * 60 + second) * 1_000_000n + micros;
      out.writeBigInt64BE(BigInt(jd - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY + time);
      return out;
    },
  };
}

// ---- the table ------------------------------------------------------------------------------------

const CODECS: ReadonlyMap<number, Codec> = new Map<number, Codec>([
  [TYPE_OID.bool, boolCodec],
  [TYPE_OID.bytea, byteaCodec],
  [TYPE_OID.name, textCodec],
  [TYPE_OID.int8, integerCodec(8, -(2n ** 63n), 2n ** 63n - 1n)],
  [TYPE_OID.int2, integerCodec(2, -(2n ** 15n), 2n ** 15n - 1n)],
  [TYPE_OID.int4, integerCodec(4, -(2n ** 31n), 2n ** 31n - 1n)],
  [TYPE_OID.text, textCodec],
  [TYPE_OID.oid, integerCodec(4, 0n, 2n ** 32n - 1n, true)],
  [TYPE_OID.json, textCodec],
  [TYPE_OID.float4, floatCodec(true)],
  [TYPE_OID.float8, floatCodec(false)],
  [TYPE_OID.bpchar, textCodec],
  [TYPE_OID.varchar, textCodec],
  [TYPE_OID.date, dateCodec],
  [TYPE_OID.timestamp, timestampCodec(false)],
  [TYPE_OID.timestamptz, timestampCodec(true)],
  [TYPE_OID.numeric, { decode: decodeNumeric, encode: encodeNumeric }],
  [TYPE_OID.uuid, uuidCodec],
  [TYPE_OID.jsonb, jsonbCodec],
]);
