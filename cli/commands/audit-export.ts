import { visibleJson } from "../../engine/text/visible-text.js";
import type { Command } from "../command.js";
import { filterFrom, filterOptions, filterOptionsHelp, logOption, logOptionHelp } from "./audit-options.js";
import { gatewayOptions, gatewayOptionsHelp, recordsFrom, remoteFrom } from "./audit-remote.js";

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
    // To a file or a pipe the lines are the records' JSON as is; to a terminal, the characters JSON
    // leaves raw that a terminal would act on (C1 controls, bidi overrides) are written as \u escapes:
    // the same JSON values, but nothing in a record can repaint the screen.
    const toTerminal = process.stdout.isTTY === true;
    for await (const { record } of recordsFrom(args, filterFrom(args), await remoteFrom(args))) {
      const json = JSON.stringify(record);
      if (!process.stdout.write(`${toTerminal ? visibleJson(json) : json}\n`)) await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
    return 0;
  },
};
