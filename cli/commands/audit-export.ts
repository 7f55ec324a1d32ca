import type { Command } from "../command.js";
import { filterFrom, filterOptions, filterOptionsHelp, logOption, logOptionHelp } from "./audit-options.js";
import { gatewayOptions, gatewayOptionsHelp, recordsFrom, remoteFrom } from "./audit-remote.js";
import { visibleJson } from "../../engine/visible-text.js";

export const auditExportCommand: Command = {
  words: ["audit", "export"],
  options: { ...logOption, ...gatewayOptions, ...filterOptions },
  help: `Usage: portcullis audit export [filters] [--log FILE | --gateway URL]

Writes the audit records that match the filters (all of them by default) to standard output as JSON
Lines, one record per line exactly as schemas/audit-record.json describes it, hash chain included.

Options:
${filterOptionsHelp}
${logOptionHelp}
${gatewayOptionsHelp}
  -h, --help          show this help

Exit status: 0 on success, 1 on error, 2 on bad usage.`,
  async run(args) {
    for await (const { record } of recordsFrom(args, filterFrom(args), await remoteFrom(args))) {
      if (!process.stdout.write(`${visibleJson(record)}\n`)) await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
    return 0;
  },
};
