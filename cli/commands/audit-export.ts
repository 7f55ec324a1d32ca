import type { Command } from "../command.js";
import { filterFrom, filterOptions, filterOptionsHelp, logOption, logOptionHelp, matching, sourceFrom } from "./audit-options.js";

export const auditExportCommand: Command = {
  words: ["audit", "export"],
  options: { ...logOption, ...filterOptions },
  help: `Usage: portcullis audit export [filters] [--log FILE]

Writes the audit records that match the filters (all of them by default) to standard output as JSON
Lines, one record per line exactly as schemas/audit-record.json describes it, hash chain included.

Options:
${filterOptionsHelp}
${logOptionHelp}
  -h, --help          show this help

Exit status: 0 on success, 1 on error, 2 on bad usage.`,
  async run(args) {
    for await (const { record } of matching(sourceFrom(args), filterFrom(args))) {
      if (!process.stdout.write(`${JSON.stringify(record)}\n`)) await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
    return 0;
  },
};
