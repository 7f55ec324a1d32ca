import { CodedError } from "../errors.js";

/** Stable codes callers can switch on. Any of them means the proxy cannot mask, so it denies. */
export type MaskingErrorCode =
  /** The mask entry names a strategy this gateway does not implement. */
  | "UNKNOWN_STRATEGY"
  /** `keep` is not a whole number from 0 up. */
  | "INVALID_KEEP"
  /** The hash key is missing or too short to keep masked values unguessable. */
  | "INVALID_KEY";

export class MaskingError extends CodedError<MaskingErrorCode> {}
