/** Masking of result values by strategy; pure, and blind to types and wire formats. */
export { createMasker, DEFAULT_PARTIAL_KEEP, MASK_STRATEGIES, MIN_HASH_KEY_BYTES, type Masker, type MaskFunction, type MaskInstruction, type MaskStrategy } from "./masker.js";
export { HASH_HEX_DIGITS, HASH_PREFIX, PARTIAL_FILL, REDACTED, hashValue, nullify, partial, redact } from "./strategies.js";
export { MaskingError, type MaskingErrorCode } from "./errors.js";
