import { createReadStream } from "node:fs";
import { relative } from "node:path";
import { createInterface } from "node:readline";
import { PortcullisError } from "../../engine/errors.js";
import { requestText } from "../../engine/actions/request-text.js";
import { effectOf } from "../../engine/index.js";
import { readRecordingLine } from "../../engine/recording/lines.js";
import type { SessionLine } from "../../engine/recording/types.js";
import type { ConformanceCase } from "./types.js";

/**
 * Reads a session recording (schemas/recording.json, JSON Lines) as cases: each recorded request is
 * replayed with the identity, target and approval it had, and expects the decision recorded then.
 */
export async function loadRecording(file: string): Promise<ConformanceCase[]> {
  const label = relative(process.cwd(), file) || file;
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  let header: SessionLine | undefined;
  const cases: ConformanceCase[] = [];
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new PortcullisError("INVALID_RECORDING", `${label}:${number}: not JSON`);
    }
    const read = readRecordingLine(value);
    if ("problem" in read) throw new PortcullisError("INVALID_RECORDING", `${label}:${number}: ${read.problem}`);
    const entry = read.line;
    if (entry.type === "session") {
      header = entry;
      continue;
    }
    if (entry.type !== "request") continue;
    if (!header) throw new PortcullisError("INVALID_RECORDING", `${label}:${number}: a request line before the session line`);
    const request: ConformanceCase["request"] = { identity: header.identity, session: header.session, target: header.target, request: entry.request };
    if (entry.approval) request.approval = entry.approval;
    const recorded = entry.decision;
    cases.push({
      origin: `${label}:${number}`,
      name: `request ${entry.seq}: ${oneLine(requestText(entry.request))}`,
      request,
      expect: {
        decision: effectOf(recorded),
        mask: (recorded.mask ?? []).map((m) => ("column" in m ? { column: m.column, strategy: m.strategy } : { json_path: m.json_path, strategy: m.strategy })),
        recorded: { reasons: recorded.reasons },
      },
    });
  }
  if (!header) throw new PortcullisError("INVALID_RECORDING", `${label}: no session line`);
  return cases;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
