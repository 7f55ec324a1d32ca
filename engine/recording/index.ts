/** Session recordings: one JSON Lines file per session, replayable by `portcullis conformance run`. */
export { SessionRecorder, type DecidedRequest, type PendingRequest, type RecordingHeader } from "./session-recorder.js";
export { FileRecordingStore, recordingFileName } from "./file-store.js";
export { readRecordingFile, summarize } from "./read.js";
export type { RecordingStore, RecordingWriter } from "./store.js";
export { RecordingError, type RecordingErrorCode } from "./errors.js";
export type * from "./types.js";
