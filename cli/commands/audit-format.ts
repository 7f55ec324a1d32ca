import type { AuditRecord } from "../../engine/audit/index.js";
import { visibleJson, visibleLine } from "../../engine/visible-text.js";

/**
 * One record as one readable line: `#seq time type …what happened…`. Names, statements and reasons
 * come from clients and tokens: escaped so that no record can print a second, forged line.
 */
export function recordText(record: AuditRecord): string {
  return visibleLine(recordLine(record));
}

function recordLine(record: AuditRecord): string {
  const e = record.event;
  const start = `#${record.seq} ${record.time} `;
  switch (e.type) {
    case "decision": {
      const why = e.decision.reasons.length > 0 ? `  (${e.decision.reasons.join("; ")})` : "";
      return `${start}${e.effect.padEnd(8)} ${e.identity.subject} -> ${e.target.name}  ${oneLine(e.request.sql)}${why}`;
    }
    case "session_start":
      return `${start}session  ${e.identity.subject} -> ${e.target.name} (${e.protocol}${e.client_addr ? ` from ${e.client_addr}` : ""}) started session ${e.session_id}`;
    case "session_end":
      return `${start}session  ended session ${e.session_id}${e.reason ? ` (${e.reason})` : ""}${e.requests !== undefined ? `, ${e.requests} requests` : ""}`;
    case "auth_failure":
      return `${start}auth     failed login: ${e.code}${e.claimed_subject ? ` as ${e.claimed_subject}` : ""}${e.target ? ` -> ${e.target}` : ""}${e.client_addr ? ` from ${e.client_addr}` : ""}`;
    case "approval_requested":
      return `${start}approval ${e.identity.subject} -> ${e.target.name} requested ${e.approval_id}: ${oneLine(e.request.sql ?? "")}`;
    case "approval_decided":
      return `${start}approval ${e.approval_id} ${e.outcome}${e.by ? ` by ${e.by}` : ""}`;
    case "log_repaired":
      return `${start}repair   cut ${e.truncated_bytes} torn bytes after seq ${e.after_seq}`;
    default:
      return `${start}${JSON.stringify(e)}`;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

export function printRecord(record: AuditRecord, format: "text" | "json"): void {
  console.log(format === "json" ? visibleJson(record) : recordText(record));
}
