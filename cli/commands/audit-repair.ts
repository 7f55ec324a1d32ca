import { AuditLog, auditLogPath } from "../../engine/audit/index.js";
import { stringOption, type Command } from "../command.js";
import { logOption, logOptionHelp } from "./audit-options.js";

export const auditRepairCommand: Command = {
  words: ["audit", "repair"],
  options: logOption,
  help: `Usage: portcullis audit repair [--log FILE]

Opens the audit log as the gateway does: a last line cut short by a crash (a write that was never
acknowledged) is cut off and a log_repaired record saying how many bytes were cut is appended, so the
repair itself is on the record. Nothing else is changed: an edited, removed or reordered record is
tampering, which \`portcullis audit verify\` reports and no repair hides. Fails while a gateway is
writing the log.

Options:
${logOptionHelp}
  -h, --help          show this help

Exit status: 0 when the log ends in a whole record (repaired or not), 1 on error, 2 on bad usage.`,
  async run(args) {
    const path = auditLogPath(stringOption(args, "log"));
    const log = await AuditLog.open(path);
    const repaired = log.repaired;
    const head = await log.head();
    await log.close();
    if (repaired) console.log(`audit log repaired: cut ${repaired.truncated_bytes} torn bytes after seq ${repaired.after_seq}; head is now seq ${head.seq} (${path})`);
    else console.log(`audit log needs no repair: head seq ${head.seq} (${path})`);
    return 0;
  },
};
