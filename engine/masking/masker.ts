import { createHmac } from "node:crypto";
import { MaskingError } from "./errors.js";
import { hashValue, nullify, partial, redact } from "./strategies.js";

export const MASK_STRATEGIES = ["redact", "hash", "partial", "null"] as const;
export type MaskStrategy = (typeof MASK_STRATEGIES)[number];

/**
 * One `mask` entry of a policy decision (schemas/decision.json), minus the column it applies to.
 * `strategy` is a plain string because a decision is data from outside; unknown ones are refused.
 */
export interface MaskInstruction {
  strategy: string;
  keep?: number | undefined;
}

export type MaskFunction = (value: string | null) => string | null;

export interface Masker {
  /**
   * Turns a mask entry into the function that masks one value. Call it for every entry before
   * forwarding a statement, so a bad entry denies the statement instead of failing mid-result.
   * @throws MaskingError UNKNOWN_STRATEGY or INVALID_KEEP
   */
  compile(instruction: MaskInstruction): MaskFunction;
  /** `compile(instruction)(value)`. */
  mask(instruction: MaskInstruction, value: string | null): string | null;
}

/** `keep` for `partial` when the entry gives none: the last four, as on a printed card number. */
export const DEFAULT_PARTIAL_KEEP = 4;
/** The hash key must carry at least as much entropy as the HMAC-SHA256 output it keys. */
export const MIN_HASH_KEY_BYTES = 32;
/** Separates masking hashes from anything else the gateway may ever key with the same secret. */
const HASH_KEY_LABEL = "portcullis masking hash v1";

/**
 * A masker keyed with the gateway's secret (`hashKey`, at least 32 bytes, kept stable across restarts
 * so hashed values stay comparable over time).
 *
 * @example
 *   const masker = createMasker({ hashKey: secret });
 *   masker.mask({ strategy: "partial", keep: 4 }, "4111111111111111"); // "************1111"
 * @throws MaskingError INVALID_KEY
 */
export function createMasker(options: { hashKey: Uint8Array }): Masker {
  if (!(options.hashKey instanceof Uint8Array) || options.hashKey.length < MIN_HASH_KEY_BYTES) {
    throw new MaskingError("INVALID_KEY", `the masking hash key must be at least ${MIN_HASH_KEY_BYTES} bytes`);
  }
  const key = createHmac("sha256", options.hashKey).update(HASH_KEY_LABEL).digest();
  const compile = (instruction: MaskInstruction): MaskFunction => {
    switch (instruction.strategy) {
      case "redact":
        return redact;
      case "null":
        return nullify;
      case "hash":
        return (value) => hashValue(key, value);
      case "partial": {
        const keep = instruction.keep ?? DEFAULT_PARTIAL_KEEP;
        if (!Number.isSafeInteger(keep) || keep < 0) throw new MaskingError("INVALID_KEEP", `partial masking needs keep to be a whole number from 0 up, not ${String(keep)}`);
        return (value) => partial(value, keep);
      }
      default:
        throw new MaskingError("UNKNOWN_STRATEGY", `unknown masking strategy ${JSON.stringify(instruction.strategy)}`);
    }
  };
  return { compile, mask: (instruction, value) => compile(instruction)(value) };
}
