import { followLog, matches, type AuditRecord } from "../../engine/audit/index.js";
import { UsageError, stringOption, type Command } from "../command.js";
import { printRecord } from "./audit-format.js";
import { filterFrom, filterOptions, filterOptionsHelp, formatFrom, formatHelp, logOption, logOptionHelp, matching, sourceFrom } from "./audit-options.js";
import { gatewayOptions, gatewayOptionsHelp, remoteFrom, remoteRecords } from "./audit-remote.js";

export const auditTailCommand: Command = {
  words: ["audit", "tail"],
  options: { ...logOption, ...gatewayOptions, ...filterOptions, lines: { type: "string", short: "n" }, follow: { type: "boolean", short: "f" }, format: { type: "string" } },
  help: `Usage: portcullis audit tail [-n N] [--follow] [filters] [--log FILE | --gateway URL] [--format text|json]

Prints the last N records of the audit log (those matching the filters, when given), oldest first.
With --follow, keeps printing records as they are appended until interrupted (a local log only).

Options:
  -n, --lines N       how many records (default 10)
  -f, --follow        keep printing new records
${filterOptionsHelp}
${logOptionHelp}
${gatewayOptionsHelp}
${formatHelp}
  -h, --help          show this help

Exit status: 0 on success (or when --follow is interrupted), 1 on error, 2 on bad usage.`,
  async run(args) {
    const count = linesFrom(stringOption(args, "lines"));
    const format = formatFrom(args);
    const filter = filterFrom(args);
    const remote = await remoteFrom(args);
    if (remote) {
      if (args.values.follow === true) throw new UsageError("--follow reads a local log; without it, --gateway prints the last records once");
      for (const { record } of await remoteRecords(remote, filter, count)) printRecord(record, format);
      return 0;
    }
    const source = sourceFrom(args);
    const last: AuditRecord[] = [];
    let end = 0;
    for await (const item of matching(source, {})) {
      end = item.end;
      if (!matches(item.record, filter)) continue;
      last.push(item.record);
      if (last.length > count) last.shift();
    }
    for (const record of last) printRecord(record, format);
    if (args.values.follow !== true) return 0;
    const stop = new AbortController();
    const interrupt = (): void => stop.abort();
    process.once("SIGINT", interrupt);
    process.once("SIGTERM", interrupt);
    await followLog(source, end, (record) => {
      if (matches(record, filter)) printRecord(record, format);
    }, stop.signal);
    return 0;
  },
};

function linesFrom(text: string | undefined): number {
  if (text === undefined) return 10;
  if (!/^\d+$/.test(text)) throw new UsageError(`-n must be a number of records (got "${text}")`);
  return Number(text);
}
