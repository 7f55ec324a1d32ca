import { CodedError } from "../errors.js";

export type RecordingErrorCode =
  | "RECORDING_INVALID_LINE" // a line does not match schemas/recording.json (a caller's mistake)
  | "RECORDING_FAILED" // writing failed: the session can no longer be recorded
  | "RECORDING_EXISTS" // a recording for this session id is already there
  | "RECORDING_NOT_FOUND"
  | "RECORDING_UNREADABLE";

export class RecordingError extends CodedError<RecordingErrorCode> {}
