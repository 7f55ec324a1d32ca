import type { RawRequest } from "../actions/index.js";
import type { ApprovalGrant, Decision, Identity, SessionInfo, Target } from "../policy/types.js";

/** The lines of a session recording, mirroring schemas/recording.json. */
export interface SessionLine {
  type: "session";
  version: 1;
  session: SessionInfo;
  identity: Identity;
  target: Target;
  policy_revision?: string;
}

/** What came back for a request: metadata only, never row values. */
export interface RecordedResult {
  command_tag?: string;
  rows?: number;
  /** The result columns that were masked (schema.table.column). */
  masked_columns?: string[];
  error?: { code?: string; message: string };
}

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

export type RecordingLine = SessionLine | RequestLine | EndLine;

/** A whole recording as read back. */
export interface Recording {
  file: string;
  session: SessionLine;
  requests: RequestLine[];
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
