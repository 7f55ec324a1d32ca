import type { Anchor, AuditFilter, AuditRecord, VerifyResult } from "../../engine/audit/index.js";
import { stringOption, UsageError, type Command, type ParsedArgs } from "../command.js";
import { isObject } from "../gateway-client.js";
import { callApprovals, connect, type Connection } from "./approvals-common.js";
import { matching, sourceFrom } from "./audit-options.js";

/** Options of the audit commands that can read a gateway's log over its HTTP API instead of a file. */
export const gatewayOptions: Command["options"] = { gateway: { type: "string" }, token: { type: "string" } };

export const gatewayOptionsHelp = `  --gateway URL       read the log of this gateway over its HTTP API instead of a file
                      (default: $PORTCULLIS_GATEWAY, unless a log is named by an option or
                      by $PORTCULLIS_AUDIT_LOG or $PORTCULLIS_AUDIT_DATABASE_URL)
  --token TOKEN       the bearer token for --gateway (default: $PORTCULLIS_TOKEN, else your stored
                      sign-in from \`portcullis login\`); its identity must be in a viewer group
                      (auditors or dba by default)`;

/** Options that name a log on this machine or a store this command opens itself. */
const LOCAL_OPTIONS = ["log", "postgres"] as const;

/**
 * The gateway to read the audit log from, or undefined to read it locally. A flag wins over the
 * environment; PORTCULLIS_AUDIT_LOG or PORTCULLIS_AUDIT_DATABASE_URL (a log read directly) wins over
 * PORTCULLIS_GATEWAY.
 */
export async function remoteFrom(args: ParsedArgs): Promise<Connection | undefined> {
  const local = LOCAL_OPTIONS.find((name) => args.values[name] !== undefined);
  const flag = stringOption(args, "gateway");
  if (flag !== undefined && local !== undefined) throw new UsageError(`--${local} and --gateway name two different audit logs: give one`);
  const localEnv = process.env.PORTCULLIS_AUDIT_LOG || process.env.PORTCULLIS_AUDIT_DATABASE_URL;
  if (flag === undefined && (local !== undefined || localEnv || !process.env.PORTCULLIS_GATEWAY)) return undefined;
  return connect(args);
}

/** The records matching `filter`, from the gateway when one is given, else from the local log; oldest first. */
export async function* recordsFrom(args: ParsedArgs, filter: AuditFilter, remote?: Connection): AsyncGenerator<{ record: AuditRecord }> {
  if (remote) yield* await remoteRecords(remote, filter);
  else yield* matching(sourceFrom(args), filter);
}

/** The last `limit` records matching `filter` (all of them without a limit), as the gateway holds them. */
export async function remoteRecords(remote: Connection, filter: AuditFilter, limit?: number): Promise<Array<{ record: AuditRecord }>> {
  const query = new URLSearchParams();
  for (const name of ["subject", "target", "type", "session"] as const) if (filter[name] !== undefined) query.set(name, filter[name]);
  if (filter.effect !== undefined) query.set("decision", filter.effect);
  for (const name of ["since", "until"] as const) if (filter[name] !== undefined) query.set(name, filter[name].toISOString());
  if (limit !== undefined) query.set("limit", String(limit));
  const body = await callApprovals(remote, `/v1/audit${query.size > 0 ? `?${query}` : ""}`, "read the gateway's audit log");
  if (!Array.isArray(body) || !body.every((r) => isObject(r) && typeof r.seq === "number" && isObject(r.event))) {
    throw new Error(`the gateway at ${remote.gateway} answered with something that is not a list of audit records`);
  }
  return (body as AuditRecord[]).map((record) => ({ record }));
}

/** The gateway's own check of its log's hash chain, named as the gateway names its log. */
export async function remoteVerify(remote: Connection, anchor: Anchor | undefined): Promise<VerifyResult & { log: string }> {
  const query = anchor ? `?anchor=${anchor.seq}:${anchor.hash}` : "";
  const body = await callApprovals(remote, `/v1/audit/verify${query}`, "verify the gateway's audit log");
  if (!isObject(body) || typeof body.ok !== "boolean" || typeof body.log !== "string" || !isObject(body.head)) {
    throw new Error(`the gateway at ${remote.gateway} answered with something that is not a verify result`);
  }
  return body as unknown as VerifyResult & { log: string };
}
