import { visible, visibleJson } from "../../engine/text/visible-text.js";
import { verifyChain, type Anchor, type VerifyResult } from "../../engine/audit/index.js";
import { choice, stringOption, UsageError, type Command, type ParsedArgs } from "../command.js";
import { logOption, logOptionHelp, sourceFrom } from "./audit-options.js";
import { gatewayOptions, gatewayOptionsHelp, remoteFrom, remoteVerify } from "./audit-remote.js";

export const auditVerifyCommand: Command = {
  words: ["audit", "verify"],
  options: { ...logOption, ...gatewayOptions, anchor: { type: "string" }, format: { type: "string" } },
  help: `Usage: portcullis audit verify [--log FILE | --gateway URL] [--anchor SEQ:HASH] [--format text|json]

Walks the audit log's hash chain from its first record. Each record's hash covers its contents and
the hash of the record before it, so an edited, removed, reordered or inserted record, or a last line
cut short by a crash (torn), breaks the chain. Prints OK with the record count and the head (the last
record's seq and hash), or the first broken seq and what is wrong with it.

Records cut off the end leave a shorter chain that is still valid: note the head printed by a verify
and pass it later as --anchor to check that the log still contains it unchanged.

With --gateway, the gateway walks its own log and sends the result.

Options:
${logOptionHelp}
${gatewayOptionsHelp}
  --anchor SEQ:HASH   a head noted earlier; fails unless that record is still there with that hash
  --format F          text (default) or json
  -h, --help          show this help

Exit status: 0 when the chain is intact, 1 when it is broken or the log cannot be read, 2 on bad usage.`,
  async run(args) {
    const format = choice(args, "format", ["text", "json"] as const, "text");
    const anchor = anchorFrom(stringOption(args, "anchor"));
    const { log, ...result } = await verifyFrom(args, anchor);
    if (format === "json") console.log(visibleJson(JSON.stringify({ log, ...result })));
    else if (result.ok) console.log(visible`audit log OK: ${result.count} records, head seq ${result.head.seq} sha256:${result.head.hash} (${log})`);
    else {
      const p = result.problem!;
      console.log(visible`audit log BROKEN at seq ${p.seq} (${p.kind}): ${p.message}`);
      console.log(visible`  ${result.count} records before it verified; their head is seq ${result.head.seq} sha256:${result.head.hash} (${log})`);
      if (p.kind === "torn") console.log("  a torn last line is cut off when the gateway next opens the log, or by `portcullis audit repair`");
    }
    return result.ok ? 0 : 1;
  },
};

/** The local log's chain check, or the one the gateway ran on its own log. */
async function verifyFrom(args: ParsedArgs, anchor: Anchor | undefined): Promise<VerifyResult & { log: string }> {
  const remote = await remoteFrom(args);
  if (remote) return remoteVerify(remote, anchor);
  const source = sourceFrom(args);
  return { log: source.name, ...(await verifyChain(source, anchor)) };
}

function anchorFrom(text: string | undefined): Anchor | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+):(?:sha256:)?([0-9a-f]{64})$/.exec(text);
  if (!match) throw new UsageError(`--anchor must be SEQ:HASH, as a verify prints it (got "${text}")`);
  return { seq: Number(match[1]), hash: match[2]! };
}
