import { actingFor } from "../../engine/identity/acting-for.js";
import { storedRequestText } from "../../engine/actions/request-text.js";
import type { AuditRecord } from "../../engine/audit/index.js";
import { visible, visibleJson, visibleSummary } from "../../engine/text/visible-text.js";

/**
 * One record as one readable line: `#seq time type …what happened…`. Every value in it may have come
 * from a client (a statement, a claimed user name, a reason), so each goes through `visible`: a
 * newline or an escape sequence in it is printed as `\n` or `\x1b`, and cannot make a line that
 * looks like another record or repaint this one.
 */
export function recordText(record: AuditRecord): string {
  const e = record.event;
  const start = visible`#${record.seq} ${record.time} `;
  switch (e.type) {
    case "decision": {
      const why = e.decision.reasons.length > 0 ? visible`  (${e.decision.reasons.join("; ")})` : "";
      return `${start}${visible`${e.effect.padEnd(8)} ${actingFor(e.identity)} -> ${e.target.name}  `}${visibleSummary(storedRequestText(e.request), 120)}${why}`;
    }
    case "session_start":
      return start + visible`session  ${actingFor(e.identity)} -> ${e.target.name} (${e.protocol}${e.client_addr ? ` from ${e.client_addr}` : ""}) started session ${e.session_id}`;
    case "session_end":
      return start + visible`session  ended session ${e.session_id}${e.reason ? ` (${e.reason})` : ""}${e.requests !== undefined ? `, ${e.requests} requests` : ""}`;
    case "auth_failure":
      return start + visible`auth     failed login: ${e.code}${e.claimed_subject ? ` as ${e.claimed_subject}` : ""}${e.target ? ` -> ${e.target}` : ""}${e.client_addr ? ` from ${e.client_addr}` : ""}`;
    case "approval_requested":
      return `${start}${visible`approval ${actingFor(e.identity)} -> ${e.target.name} requested ${e.approval_id}: `}${visibleSummary(storedRequestText(e.request), 120)}`;
    case "approval_decided":
      return start + visible`approval ${e.approval_id} ${e.outcome}${e.by ? ` by ${e.by}` : ""}`;
    case "revocation":
      return start + visible`revoke   ${e.subject !== undefined ? `subject ${e.subject} (${e.issuer ?? "*"})` : `token ${e.token_id ?? "?"}`} by ${e.by}`;
    case "log_repaired":
      return start + visible`repair   cut ${e.truncated_bytes} torn bytes after seq ${e.after_seq}`;
    default:
      return `${start}${visibleJson(JSON.stringify(e))}`;
  }
}

export function printRecord(record: AuditRecord, format: "text" | "json"): void {
  console.log(format === "json" ? visibleJson(JSON.stringify(record)) : recordText(record));
}
