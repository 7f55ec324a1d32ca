import { visibleJson } from "../../engine/text/visible-text.js";
import type { Command } from "../command.js";
import { asApproval, callApprovals, connect, connectionHelp, connectionOptions, describeApproval, formatFrom, idFrom } from "./approvals-common.js";

export const approvalsShowCommand: Command = {
  words: ["approvals", "show"],
  options: connectionOptions,
  allowPositionals: true,
  help: `Usage: portcullis approvals show ID [--format text|json] [--gateway URL] [--token TOKEN]

Shows one approval request: who asked, against which target, the policy's reasons, who may decide,
its status and grant, and the whole statement.

Options:
${connectionHelp}

Exit status: 0 when shown, 1 on failure (no such request, or not one you may see), 2 on bad usage.`,
  async run(args) {
    const format = formatFrom(args);
    const id = idFrom(args);
    const connection = await connect(args);
    const approval = asApproval(await callApprovals(connection, `/v1/approvals/${id}`, `show ${id}`), connection.gateway);
    console.log(format === "json" ? visibleJson(JSON.stringify(approval, null, 2)) : describeApproval(approval));
    return 0;
  },
};
