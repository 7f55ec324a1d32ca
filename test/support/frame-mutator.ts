/**
 * Mutations of PostgreSQL frontend frames for fuzzing, driven by a seeded generator so a failing run
 * can be replayed with its seed. Each mutation says whether the frame's framing (type byte and length)
 * is still intact: after an intact frame the gateway must keep reading; after a "fatal" one (a length
 * outside the allowed range, an unknown type byte) it must close the connection at once.
 */

import { Rng } from "../../bench/policy/rng.js";

export { Rng };

export type Framing = "intact" | "fatal" | "broken";

export interface Mutant {
  bytes: Buffer;
  framing: Framing;
  how: string;
}

/** An integer in [min, max). */
function below(rng: Rng, min: number, max: number): number {
  return rng.int(min, max - 1);
}

/** `n` random bytes. */
export function randomBytesOf(rng: Rng, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = below(rng, 0, 256);
  return out;
}

/** Type bytes a client may send after startup; every other byte is an unknown message type. */
const KNOWN_TYPES = new Set("QPBEDCHSXFdcfp".split("").map((c) => c.charCodeAt(0)));
const UNKNOWN_TYPES = Array.from({ length: 256 }, (_, i) => i).filter((i) => !KNOWN_TYPES.has(i));

/** Lengths no frame may carry: below the 4 bytes of the length itself, or far above any limit (1 GB among them). */
const ABSURD_LENGTHS = [0, 1, 3, -1, -4, -(2 ** 31), 0x40000000, 0x40000004, 0x7fffffff, 0x10000000, 0x08000000];

/** Where the length field of a frame starts: 0 for an untyped startup-phase frame, 1 for a typed one. */
function lengthAt(typed: boolean): number {
  return typed ? 1 : 0;
}

function withLength(frame: Buffer, typed: boolean, length: number): Buffer {
  const out = Buffer.from(frame);
  out.writeInt32BE(length | 0, lengthAt(typed));
  return out;
}

/**
 * Flips one byte of the SQL text of a Query or Parse message to another non-NUL byte: the message
 * stays well formed and the gateway must decide the new text (usually a syntax error, sometimes
 * invalid UTF-8). Other messages get an ordinary body flip.
 */
export function flipSql(rng: Rng, frame: Buffer): Mutant {
  const type = String.fromCharCode(frame[0]!);
  let start = 5;
  if (type === "P") start = frame.indexOf(0, 5) + 1;
  else if (type !== "Q") return flipBody(rng, frame, true);
  const end = frame.indexOf(0, start);
  if (start <= 0 || end <= start) return flipBody(rng, frame, true);
  const out = Buffer.from(frame);
  const at = below(rng, start, end);
  let value = 0;
  while (value === 0) value = out[at]! ^ below(rng, 1, 256);
  out[at] = value;
  return { bytes: out, framing: "intact", how: `flip SQL byte ${at - start}` };
}

/** Flips some bits of one body byte: the framing stays intact, the content does not. */
export function flipBody(rng: Rng, frame: Buffer, typed: boolean): Mutant {
  const header = typed ? 5 : 4;
  if (frame.length <= header) return appendBody(rng, frame, typed);
  const out = Buffer.from(frame);
  const at = below(rng, header, out.length);
  out[at] = out[at]! ^ below(rng, 1, 256);
  return { bytes: out, framing: "intact", how: `flip body byte ${at}` };
}

/** Flips a byte anywhere, header included: the framing may or may not survive. */
export function flipAnywhere(rng: Rng, frame: Buffer): Mutant {
  const out = Buffer.from(frame);
  const at = below(rng, 0, out.length);
  out[at] = out[at]! ^ below(rng, 1, 256);
  return { bytes: out, framing: "broken", how: `flip byte ${at}` };
}

/** Cuts the frame short: the reader must wait for the rest, never read past what arrived. */
export function truncate(rng: Rng, frame: Buffer): Mutant {
  const keep = below(rng, 1, Math.max(2, frame.length));
  return { bytes: frame.subarray(0, keep), framing: "broken", how: `truncate to ${keep}` };
}

/** Sets a length no valid frame has (1 GB among them), followed by a few body bytes. */
export function absurdLength(rng: Rng, frame: Buffer, typed: boolean): Mutant {
  const length = rng.pick(ABSURD_LENGTHS);
  return { bytes: withLength(frame, typed, length), framing: "fatal", how: `length ${length}` };
}

/** Sets a plausible but wrong length: too short or too long by a little, so frames run into each other. */
export function skewLength(rng: Rng, frame: Buffer, typed: boolean): Mutant {
  const at = lengthAt(typed);
  const current = frame.readInt32BE(at);
  const skewed = Math.max(4, current + rng.pick([-3, -2, -1, 1, 2, 7, 100]));
  return { bytes: withLength(frame, typed, skewed), framing: "broken", how: `length ${current}→${skewed}` };
}

/** Replaces the type byte by one no client may send. */
export function unknownType(rng: Rng, frame: Buffer): Mutant {
  const out = Buffer.from(frame);
  const type = rng.pick(UNKNOWN_TYPES);
  out[0] = type;
  return { bytes: out, framing: "fatal", how: `type 0x${type.toString(16)}` };
}

/** Appends random bytes to the body and fixes the length: well framed, malformed inside. */
export function appendBody(rng: Rng, frame: Buffer, typed: boolean): Mutant {
  const extra = randomBytesOf(rng, below(rng, 1, 40));
  const out = Buffer.concat([frame, extra]);
  return { bytes: withLength(out, typed, out.length - (typed ? 1 : 0)), framing: "intact", how: `append ${extra.length} bytes` };
}

/** A frame of a known type with a random body. */
export function randomBody(rng: Rng, type: string): Mutant {
  const body = randomBytesOf(rng, below(rng, 0, 80));
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return { bytes: Buffer.concat([head, body]), framing: "intact", how: `random ${type} body of ${body.length}` };
}

/** Any one of the mutations above, for a typed frame. */
export function mutateTyped(rng: Rng, frame: Buffer): Mutant {
  switch (below(rng, 0, 8)) {
    case 0:
    case 1:
      return flipBody(rng, frame, true);
    case 2:
      return appendBody(rng, frame, true);
    case 3:
      return randomBody(rng, String.fromCharCode(frame[0]!));
    case 4:
      return flipAnywhere(rng, frame);
    case 5:
      return truncate(rng, frame);
    case 6:
      return skewLength(rng, frame, true);
    default:
      return rng.next() < 0.5 ? absurdLength(rng, frame, true) : unknownType(rng, frame);
  }
}

/** Any one of the mutations above, for an untyped startup-phase frame. */
export function mutateUntyped(rng: Rng, frame: Buffer): Mutant {
  switch (below(rng, 0, 7)) {
    case 0:
    case 1:
      return flipBody(rng, frame, false);
    case 2:
      return appendBody(rng, frame, false);
    case 3:
      return flipAnywhere(rng, frame);
    case 4:
      return truncate(rng, frame);
    case 5:
      return skewLength(rng, frame, false);
    default:
      return absurdLength(rng, frame, false);
  }
}

/** Splits a client's byte stream (startup message first) into its frames. */
export function splitFrontend(bytes: Buffer): { startup: Buffer; frames: Buffer[] } {
  const startupLength = bytes.readInt32BE(0);
  const frames: Buffer[] = [];
  let at = startupLength;
  while (at + 5 <= bytes.length) {
    const end = at + 1 + bytes.readInt32BE(at + 1);
    frames.push(bytes.subarray(at, end));
    at = end;
  }
  return { startup: bytes.subarray(0, startupLength), frames };
}
