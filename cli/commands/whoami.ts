import { visibleJson, visibleLine } from "../../engine/text/visible-text.js";
import { choice, stringOption, type Command } from "../command.js";
import { GatewayError, gatewayJson, isObject, resolveGateway } from "../gateway-client.js";
import { freshCredentials, LOGIN_AGAIN, requireCredentials } from "../session.js";

export const whoamiCommand: Command = {
  words: ["whoami"],
  options: {
    gateway: { type: "string" },
    format: { type: "string" },
  },
  help: `Usage: portcullis whoami [--gateway URL] [--format text|json]

Asks the gateway (GET <gateway>/v1/whoami) who your stored sign-in makes you, exactly as policies
will see it: subject, issuer, groups, kind (human or service) and when the sign-in expires.
Your identity provider's tokens are refreshed first when they have expired.

Options:
  --gateway URL       the gateway (default: $PORTCULLIS_GATEWAY, else the one used at login)
  --format F          text (default) or json (the gateway's answer as is)
  -h, --help          show this help

Exit status: 0 when the gateway accepts your sign-in, 1 otherwise, 2 on bad usage.`,
  async run(args) {
    const format = choice(args, "format", ["text", "json"] as const, "text");
    const stored = requireCredentials();
    const gateway = resolveGateway(stringOption(args, "gateway"), stored.gateway);
    const credentials = await freshCredentials(stored);
    let answer: unknown;
    try {
      answer = await gatewayJson(gateway, "/v1/whoami", { bearer: credentials.id_token });
    } catch (error) {
      if (error instanceof GatewayError && error.status === 401) throw new Error(`the gateway does not accept your sign-in: ${error.message}; ${LOGIN_AGAIN}`);
      throw error;
    }
    if (!isObject(answer)) throw new Error(`the gateway at ${gateway} answered whoami with something that is not an object`);
    if (format === "json") {
      console.log(visibleJson(JSON.stringify(answer, null, 2)));
      return 0;
    }
    console.log(describe(answer));
    return 0;
  },
};

function describe(answer: Record<string, unknown>): string {
  const text = (value: unknown): string => (typeof value === "string" && value ? value : "-");
  const groups = Array.isArray(answer.groups) ? answer.groups.filter((g): g is string => typeof g === "string") : [];
  const lines: Array<[string, string]> = [
    ["subject", text(answer.subject)],
    ["issuer", text(answer.issuer)],
    ["kind", text(answer.kind)],
    ["groups", groups.length > 0 ? groups.join(", ") : "(none)"],
    ["expires", expiry(answer.expires_at)],
  ];
  // A delegated token: the agents acting for the subject, the one acting now last.
  const actors = Array.isArray(answer.actors) ? answer.actors.map((a: unknown) => (typeof a === "object" && a !== null ? text((a as Record<string, unknown>).subject) : "-")) : [];
  if (actors.length > 0) lines.splice(4, 0, ["agents", actors.join(" -> ")]);
  // Every value comes from the gateway's reading of a token: shown with its controls escaped.
  return lines.map(([key, value]) => `${key.padEnd(8)} ${visibleLine(value)}`).join("\n");
}

function expiry(value: unknown): string {
  if (typeof value !== "string") return "-";
  const at = Date.parse(value);
  if (Number.isNaN(at)) return value;
  const minutes = Math.round((at - Date.now()) / 60_000);
  const relative = minutes >= 0 ? `in ${minutes} min` : `${-minutes} min ago`;
  return `${value} (${relative})`;
}
