import type { DecisionOutcome } from "../../engine/approvals/types.js";
import { visible, visibleJson } from "../../engine/text/visible-text.js";
import { choice, stringOption, UsageError, type Command } from "../command.js";
import { asApproval, callApprovals, connect, connectionHelp, connectionOptions, formatFrom, idFrom } from "./approvals-common.js";

/** `approvals approve` and `approvals deny`: one POST each, differing in the verb and the --use option. */
export function decideCommand(outcome: DecisionOutcome): Command {
  const verb = outcome === "approve" ? "approve" : "deny";
  const useHelp = outcome === "approve" ? "\n  --use once|window   once (default): the request passes one time; window: any number of times\n                      until the approval's time runs out" : "";
  return {
    words: ["approvals", verb],
    options: { ...connectionOptions, reason: { type: "string" }, ...(outcome === "approve" ? { use: { type: "string" } } : {}) },
    allowPositionals: true,
    help: `Usage: portcullis approvals ${verb} ID [--reason TEXT]${outcome === "approve" ? " [--use once|window]" : ""} [--format text|json] [--gateway URL] [--token TOKEN]

${outcome === "approve"
  ? "Approves a pending request. A held statement then runs; for a ticket, the identical request from the\nsame identity passes within the approval's time (see `portcullis approvals show ID`)."
  : "Denies a pending request. A held statement then fails with your reason; a ticket is never granted."}
You must be one of the request's approvers, and nobody may decide their own request.

Options:
  --reason TEXT       why (recorded in the audit log and shown to others)${useHelp}
${connectionHelp}

Exit status: 0 when decided, 1 when refused (your own request, not an approver, no longer pending,
no such request) or on failure, 2 on bad usage.`,
    async run(args) {
      const format = formatFrom(args);
      const id = idFrom(args);
      const form = new URLSearchParams();
      const reason = stringOption(args, "reason");
      if (reason !== undefined) form.set("reason", reason);
      if (outcome === "approve" && stringOption(args, "use") !== undefined) form.set("use", choice(args, "use", ["once", "window"] as const, "once"));
      if (reason !== undefined && reason.length > 2000) throw new UsageError("--reason is limited to 2000 characters");
      const connection = await connect(args);
      const decided = asApproval(await callApprovals(connection, `/v1/approvals/${id}/${verb}`, `${verb} ${id}`, form), connection.gateway);
      if (format === "json") console.log(visibleJson(JSON.stringify(decided, null, 2)));
      else console.log(visible`${decided.id} ${decided.status}${decided.grant ? ` (${decided.grant.use}, usable until ${decided.grant.expires_at})` : ""}`);
      return 0;
    },
  };
}
