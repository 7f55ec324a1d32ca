import type { Command } from "../command.js";
import { printRecord } from "./audit-format.js";
import { filterFrom, filterOptions, filterOptionsHelp, formatFrom, formatHelp, logOption, logOptionHelp } from "./audit-options.js";
import { gatewayOptions, gatewayOptionsHelp, recordsFrom, remoteFrom } from "./audit-remote.js";

export const auditSearchCommand: Command = {
  words: ["audit", "search"],
  options: { ...logOption, ...gatewayOptions, ...filterOptions, format: { type: "string" } },
  help: `Usage: portcullis audit search [filters] [--log FILE | --gateway URL] [--format text|json]

Prints every audit record that matches all the filters given, oldest first.

Options:
${filterOptionsHelp}
${logOptionHelp}
${gatewayOptionsHelp}
${formatHelp}
  -h, --help          show this help

Exit status: 0 when at least one record matched, 1 when none did or on error, 2 on bad usage.

Example:
  portcullis audit search --subject alice@example.com --decision deny --since 2026-11-23T00:00:00Z`,
  async run(args) {
    const format = formatFrom(args);
    let found = 0;
    for await (const { record } of recordsFrom(args, filterFrom(args), await remoteFrom(args))) {
      printRecord(record, format);
      found += 1;
    }
    if (found === 0) console.error("portcullis audit search: no records matched");
    return found > 0 ? 0 : 1;
  },
};
