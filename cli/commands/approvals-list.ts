import { actingFor } from "../../engine/identity/acting-for.js";
import { requestText } from "../../engine/actions/request-text.js";
import { APPROVAL_STATUSES, type ApprovalRequest, type ApprovalStatus } from "../../engine/approvals/types.js";
import { visibleJson, visibleLine, visibleSummary } from "../../engine/text/visible-text.js";
import { choice, stringOption, UsageError, type Command } from "../command.js";
import { callApprovals, connect, connectionHelp, connectionOptions, formatFrom } from "./approvals-common.js";

const STATUS_CHOICES = ["all", ...APPROVAL_STATUSES] as const;

export const approvalsListCommand: Command = {
  words: ["approvals", "list"],
  options: { ...connectionOptions, status: { type: "string" }, limit: { type: "string" } },
  help: `Usage: portcullis approvals list [--status S] [--limit N] [--format text|json] [--gateway URL] [--token TOKEN]

Lists approval requests you may see, newest first: the ones you are listed to decide and your own.
Decide one with \`portcullis approvals approve ID\` or \`portcullis approvals deny ID\`.

Options:
  --status S          pending (default), approved, denied, expired, cancelled, or all
  --limit N           at most N requests (default 100)
${connectionHelp}

With --format json it prints a JSON array of approval requests (each with its id and status).

Exit status: 0 when listed (even if none), 1 on failure, 2 on bad usage.`,
  async run(args) {
    const format = formatFrom(args);
    const status = choice(args, "status", STATUS_CHOICES, "pending");
    const limit = stringOption(args, "limit") ?? "100";
    if (!/^[1-9]\d{0,3}$/.test(limit)) throw new UsageError(`--limit must be a whole number from 1 to 1000 (got "${limit}")`);
    const connection = await connect(args);
    const answer = await callApprovals(connection, `/v1/approvals?${new URLSearchParams({ status, limit })}`, "list approval requests");
    if (!Array.isArray(answer)) throw new Error(`the gateway at ${connection.gateway} answered with something that is not a list`);
    const requests = answer as ApprovalRequest[];
    if (format === "json") {
      console.log(visibleJson(JSON.stringify(requests, null, 2)));
      return 0;
    }
    console.log(requests.length === 0 ? `no ${status === "all" ? "" : `${status} `}approval requests you may see` : table(requests));
    return 0;
  },
};

/** One row per request; every cell that came from a client is shown with its controls escaped. */
function table(requests: ApprovalRequest[]): string {
  const rows = [["ID", "STATUS", "MODE", "REQUESTER", "TARGET", "CREATED", "STATEMENT"]];
  for (const r of requests) {
    const cells = [r.id, r.status as ApprovalStatus, r.mode, actingFor(r.requester), r.target.name, r.created_at.slice(0, 19).replace("T", " ")].map(visibleLine);
    rows.push([...cells, visibleSummary(requestText(r.request), 60)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}
