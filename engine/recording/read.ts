import { readFile } from "node:fs/promises";
import { effectOf } from "../policy/types.js";
import { RecordingError } from "./errors.js";
import { readRecordingLine } from "./lines.js";
import type { EndLine, Recording, RecordingSummary, RequestLine, SessionLine, TerminalLine } from "./types.js";

/** Reads and validates a recording file; a last line cut short by a crash is left out and flagged. */
export async function readRecordingFile(file: string): Promise<Recording> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new RecordingError("RECORDING_NOT_FOUND", `no recording at ${file}`);
    throw error;
  });
  const lines = text.split("\n");
  const last = lines.pop() ?? "";
  let session: SessionLine | undefined;
  const requests: RequestLine[] = [];
  const terminal: TerminalLine[] = [];
  let end: EndLine | undefined;
  lines.forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new RecordingError("RECORDING_UNREADABLE", `${file}:${i + 1}: not JSON`);
    }
    const read = readRecordingLine(value);
    if ("problem" in read) throw new RecordingError("RECORDING_UNREADABLE", `${file}:${i + 1}: ${read.problem}`);
    const { line } = read;
    if (line.type === "session") session = line;
    else if (line.type === "request") requests.push(line);
    else if (line.type === "terminal") terminal.push(line);
    else end = line;
  });
  if (!session) throw new RecordingError("RECORDING_UNREADABLE", `${file}: no session line`);
  const recording: Recording = { file, session, requests: requests.sort((a, b) => a.seq - b.seq), terminal, torn: last !== "" };
  if (end) recording.end = end;
  return recording;
}

export function summarize(recording: Recording): RecordingSummary {
  const { session, identity, target } = recording.session;
  const summary: RecordingSummary = {
    session_id: session.id,
    file: recording.file,
    subject: identity.subject,
    target: target.name,
    protocol: session.protocol,
    requests: recording.requests.length,
    refused: recording.requests.filter((r) => ["deny", "approval"].includes(effectOf(r.decision))).length,
  };
  if (session.started_at !== undefined) summary.started_at = session.started_at;
  if (recording.end) {
    summary.ended_at = recording.end.at;
    if (recording.end.reason !== undefined) summary.end_reason = recording.end.reason;
  }
  return summary;
}
