import { auditLogPath, fileSource, matches, readRecords, type AuditFilter, type AuditRecord, type AuditSource } from "../../engine/audit/index.js";
import { postgresSource } from "../../engine/audit/postgres-store.js";
import { choice, stringOption, UsageError, type Command, type ParsedArgs } from "../command.js";

/** Options and help shared by the audit commands. */
export const logOption: Command["options"] = { log: { type: "string" }, postgres: { type: "string" } };

export const logOptionHelp = `  --log FILE          the audit log (default: $PORTCULLIS_AUDIT_LOG, else .portcullis/audit.log
                      under the current directory)
  --postgres URL      the audit log in this PostgreSQL database (audit.store in the gateway's
                      config), instead of a file (default: $PORTCULLIS_AUDIT_DATABASE_URL)`;

export const filterOptions: Command["options"] = {
  subject: { type: "string" },
  target: { type: "string" },
  decision: { type: "string" },
  type: { type: "string" },
  session: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
};

export const filterOptionsHelp = `  --subject S         records of this identity (a failed login: the subject it claimed)
  --target T          records about this target name
  --decision D        decisions with this effect: allow, deny, mask or approval
  --type T            records of this event type (decision, session_start, session_end,
                      auth_failure, approval_requested, approval_decided, log_repaired)
  --session ID        records of this session
  --since TIME        records at or after TIME (ISO 8601, e.g. 2026-11-23T10:00:00Z)
  --until TIME        records before TIME`;

export const formatHelp = `  --format F          text (default: one readable line per record) or json (JSON Lines)`;

/**
 * The log to read: --postgres or --log when given (not both), else $PORTCULLIS_AUDIT_DATABASE_URL, else
 * the file from $PORTCULLIS_AUDIT_LOG or the default path.
 */
export function sourceFrom(args: ParsedArgs): AuditSource {
  const file = stringOption(args, "log");
  const flag = stringOption(args, "postgres");
  if (file !== undefined && flag !== undefined) throw new UsageError("--log and --postgres name two different audit logs: give one");
  const url = flag ?? (file === undefined ? process.env.PORTCULLIS_AUDIT_DATABASE_URL || undefined : undefined);
  if (url === undefined) return fileSource(auditLogPath(file));
  // Following polls a file's size; rows in a table have none to poll.
  if (args.values.follow === true) throw new UsageError("--follow reads a log file; for the log in PostgreSQL, run tail without it");
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--postgres must be a postgres:// or postgresql:// URL (got "${url.replace(/:[^:@/]*@/, ":…@")}")`);
  return postgresSource(url);
}

export function filterFrom(args: ParsedArgs): AuditFilter {
  const filter: AuditFilter = {};
  for (const name of ["subject", "target", "type", "session"] as const) {
    const value = stringOption(args, name);
    if (value !== undefined) filter[name] = value;
  }
  if (stringOption(args, "decision") !== undefined) filter.effect = choice(args, "decision", ["allow", "deny", "mask", "approval"] as const, "allow");
  for (const name of ["since", "until"] as const) {
    const value = stringOption(args, name);
    if (value === undefined) continue;
    const time = Date.parse(value);
    if (Number.isNaN(time)) throw new UsageError(`--${name} must be an ISO 8601 time (got "${value}")`);
    filter[name] = new Date(time);
  }
  return filter;
}

/** Reads the matching records, warning on stderr about lines that are not records. */
export async function* matching(source: AuditSource, filter: AuditFilter): AsyncGenerator<{ record: AuditRecord; end: number }> {
  let unreadable = 0;
  for await (const item of readRecords(source, { onUnreadable: () => (unreadable += 1) })) {
    if (matches(item.record, filter)) yield item;
  }
  if (unreadable > 0) console.error(`portcullis audit: ${unreadable} line(s) of ${source.name} are not records; run \`portcullis audit verify\``);
}

export function formatFrom(args: ParsedArgs): "text" | "json" {
  return choice(args, "format", ["text", "json"] as const, "text");
}
