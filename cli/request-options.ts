import type { Identity, Protocol, Target } from "../engine/index.js";
import { listOption, stringOption, UsageError, type Command, type ParsedArgs } from "./command.js";

/** Options that describe who asks and against what, shared by commands that build a request by hand. */
export const requestOptions: Command["options"] = {
  subject: { type: "string" },
  issuer: { type: "string" },
  groups: { type: "string" },
  kind: { type: "string" },
  target: { type: "string" },
  tag: { type: "string", multiple: true },
};

export const requestOptionsHelp = `  --subject S         identity subject (default: cli-user)
  --issuer URL        identity issuer (default: cli)
  --groups A,B        identity groups, comma separated (default: none)
  --kind K            human or service (default: human)
  --target NAME       target name (default: default)
  --tag KEY=VALUE     a target tag, repeatable (for example --tag env=prod)`;

export function identityFrom(args: ParsedArgs): Identity {
  const kind = stringOption(args, "kind") ?? "human";
  if (kind !== "human" && kind !== "service") throw new UsageError(`--kind must be human or service (got "${kind}")`);
  const groups = (stringOption(args, "groups") ?? "")
    .split(",")
    .map((g) => g.trim())
    .filter((g) => g.length > 0);
  return { subject: stringOption(args, "subject") ?? "cli-user", issuer: stringOption(args, "issuer") ?? "cli", groups, kind, claims: {} };
}

export function targetFrom(args: ParsedArgs, type: Protocol = "postgres"): Target {
  const tags: Record<string, string> = {};
  for (const tag of listOption(args, "tag")) {
    const at = tag.indexOf("=");
    if (at <= 0) throw new UsageError(`--tag takes KEY=VALUE (got "${tag}")`);
    tags[tag.slice(0, at)] = tag.slice(at + 1);
  }
  return { name: stringOption(args, "target") ?? "default", type, tags };
}
