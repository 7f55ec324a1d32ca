import { requestText } from "../../engine/actions/request-text.js";
import type { ApprovalRequest } from "../../engine/approvals/types.js";
import { visibleLine, visibleLines } from "../../engine/text/visible-text.js";
import { choice, stringOption, UsageError, type Command, type ParsedArgs } from "../command.js";
import { readCredentials } from "../credential-store.js";
import { GatewayError, gatewayJson, isObject, resolveGateway } from "../gateway-client.js";
import { freshCredentials, requireCredentials } from "../session.js";

/** Options every approvals command takes. */
export const connectionOptions: Command["options"] = {
  gateway: { type: "string" },
  token: { type: "string" },
  format: { type: "string" },
};

export const connectionHelp = `  --gateway URL       the gateway (default: $PORTCULLIS_GATEWAY, else the one used at login)
  --token TOKEN       the bearer token to act with (default: $PORTCULLIS_TOKEN, else your stored
                      sign-in from \`portcullis login\`)
  --format F          text (default) or json (the gateway's answer as is)
  -h, --help          show this help`;

export interface Connection {
  gateway: string;
  token: string;
}

/** Where to send requests and with which token: flags, then the environment, then the stored login. */
export async function connect(args: ParsedArgs): Promise<Connection> {
  const flagGateway = stringOption(args, "gateway");
  const explicitToken = stringOption(args, "token") ?? (process.env.PORTCULLIS_TOKEN || undefined);
  const remembered = (flagGateway ?? process.env.PORTCULLIS_GATEWAY) ? undefined : readCredentials()?.gateway;
  const gateway = resolveGateway(flagGateway, remembered);
  if (explicitToken !== undefined) return { gateway, token: explicitToken };
  let stored;
  try {
    stored = requireCredentials();
  } catch {
    throw new Error("no token: pass --token TOKEN, set PORTCULLIS_TOKEN, or run `portcullis login` first");
  }
  return { gateway, token: (await freshCredentials(stored)).id_token };
}

export function formatFrom(args: ParsedArgs): "text" | "json" {
  return choice(args, "format", ["text", "json"] as const, "text");
}

/** The single ID positional a command acts on. */
export function idFrom(args: ParsedArgs): string {
  const [id, ...rest] = args.positionals;
  if (!id) throw new UsageError("name the approval request: its ID (see `portcullis approvals list`)");
  if (rest.length > 0) throw new UsageError(`one ID at a time (got ${args.positionals.length})`);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError(`"${id.slice(0, 70)}" is not an approval ID (like apr_k3q7x2m9pa)`);
  return id;
}

/** Calls the approvals API; the gateway's refusals become errors that say what was refused and why. */
export async function callApprovals(connection: Connection, path: string, what: string, form?: URLSearchParams): Promise<unknown> {
  try {
    return await gatewayJson(connection.gateway, path, { bearer: connection.token, ...(form ? { method: "POST" as const, form } : {}) });
  } catch (error) {
    if (error instanceof GatewayError && error.status === 401) throw new Error(`the gateway does not accept your token (${error.message}); pass a fresh --token or PORTCULLIS_TOKEN, or run \`portcullis login\``);
    if (error instanceof GatewayError) throw new Error(`cannot ${what}: ${error.message}`);
    throw error;
  }
}

export function asApproval(value: unknown, gateway: string): ApprovalRequest {
  if (!isObject(value) || typeof value.id !== "string" || typeof value.status !== "string") throw new Error(`the gateway at ${gateway} answered with something that is not an approval request`);
  return value as unknown as ApprovalRequest;
}

/**
 * One request, every field a person deciding it needs, the statement last and whole. Almost every
 * field came from a client (the statement, the requester's claims, reasons), so each is printed with
 * its controls escaped: an escape sequence in a comment cannot repaint what the approver reads, and a
 * newline in a field cannot start a line that looks like another field. The statement keeps its own
 * line breaks, every line indented under "statement:".
 */
export function describeApproval(r: ApprovalRequest): string {
  const tags = Object.entries(r.target.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
  const lines: Array<[string, string]> = [
    ["id", r.id],
    ["status", r.status === "pending" ? `pending (expires ${r.expires_at})` : r.status],
    ["mode", r.mode],
    ["requester", `${r.requester.subject} (${r.requester.kind}, issuer ${r.requester.issuer}${r.requester.groups.length > 0 ? `, groups ${r.requester.groups.join(", ")}` : ""})`],
    ...(r.requester.actors && r.requester.actors.length > 0 ? [["agents", r.requester.actors.map((a) => `${a.subject} (${a.kind}, issuer ${a.issuer})`).join(" -> ")] as [string, string]] : []),
    ["target", tags ? `${r.target.name} (${tags})` : r.target.name],
    ["session", r.session_id],
    ["created", r.created_at],
    ["approvers", r.approvers.join(", ")],
    ["reasons", r.reasons.length > 0 ? r.reasons.join("; ") : "-"],
    ["usable for", `${r.ttl_seconds} s once approved`],
  ];
  if (r.decided_by !== undefined) lines.push(["decided", `${r.status} by ${r.decided_by} at ${r.decided_at ?? "?"}${r.decision_reason ? `: ${r.decision_reason}` : ""}`]);
  else if (r.decision_reason !== undefined) lines.push(["note", r.decision_reason]);
  if (r.grant) lines.push(["grant", `${r.grant.use}, until ${r.grant.expires_at}, used ${r.grant.uses} time(s)`]);
  const statement = visibleLines(requestText(r.request)).map((line) => `  ${line}`).join("\n");
  return `${lines.map(([k, v]) => `${k.padEnd(11)} ${visibleLine(v)}`).join("\n")}\nstatement:\n${statement}`;
}
