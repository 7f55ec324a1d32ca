import type { RawRequest, RefusedResult, RequestResult } from "../actions/types.js";
import type { ApprovalGrant, Decision, Identity, SessionInfo, Target } from "../policy/types.js";

/** The lines of a session recording, mirroring schemas/recording.json. */
/**
 * The recording format's version. 2: requests tagged by `kind`, results tagged by kind, terminal
 * lines. 1 (still read): SQL requests as `{sql}`, results without a kind.
 */
export const RECORDING_VERSION = 2;

export interface SessionLine {
  type: "session";
  version: 1 | 2;
  session: SessionInfo;
  identity: Identity;
  target: Target;
  policy_revision?: string;
}

/** What came back for a request: its kind's result (metadata only, never row values), or an error. */
export type RecordedResult = RequestResult | RefusedResult;

export interface RequestLine {
  type: "request";
  seq: number;
  at: string;
  offset_ms?: number;
  request: RawRequest;
  decision: Decision;
  approval?: ApprovalGrant;
  duration_us?: number;
  decide_us?: number;
  audit_seq?: number;
  result?: RecordedResult;
}

export interface EndLine {
  type: "end";
  at: string;
  reason?: string;
}

/**
 * A terminal stream event (an SSH session, a `kubectl exec`), as asciicast records them: what the
 * client typed (`input`), what came back (`output`, `error` for stderr), and window size changes
 * (`resize`). `data` is the bytes as UTF-8 text, or base64 (`encoding: "base64"`) when they are not
 * valid UTF-8. `request_seq` ties the stream to the request it belongs to, when there is one.
 */
export interface TerminalLine {
  type: "terminal";
  offset_ms: number;
  event: "input" | "output" | "error" | "resize";
  data?: string;
  encoding?: "base64";
  cols?: number;
  rows?: number;
  request_seq?: number;
}

export type RecordingLine = SessionLine | RequestLine | TerminalLine | EndLine;

/** A whole recording as read back. */
export interface Recording {
  file: string;
  session: SessionLine;
  requests: RequestLine[];
  /** Terminal stream events, in the order they happened. */
  terminal: TerminalLine[];
  end?: EndLine;
  /** True when the last line was cut short (the gateway stopped mid-write); it is left out. */
  torn: boolean;
}

/** One line per recording in a listing. */
export interface RecordingSummary {
  session_id: string;
  file: string;
  started_at?: string;
  subject: string;
  target: string;
  protocol: string;
  requests: number;
  /** How many requests were not allowed as asked (deny, approval). */
  refused: number;
  ended_at?: string;
  end_reason?: string;
}
