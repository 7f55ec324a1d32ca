import { loadConfigFile, resolveConfig } from "../../engine/config/load.js";
import { targetsOfType } from "../../engine/config/types.js";
import { startGateway } from "../../proxy/gateway/gateway.js";
import { visibleLine } from "../../engine/text/visible-text.js";
import { stringOption, type Command } from "../command.js";

export const serveCommand: Command = {
  words: ["serve"],
  options: { config: { type: "string", short: "c" } },
  help: `Usage: portcullis serve [--config FILE]

Starts the gateway described by FILE (YAML or JSON, see schemas/config.json): the PostgreSQL listener
in front of the configured targets, the HTTP listener (POST /v1/token, /.well-known/jwks.json), the
hash-chained audit log, and the policy with hot reload. Without --config it starts on the embedded
defaults: the bundled policies, no trusted issuers and no targets (useful only to try the HTTP side;
\`npm start\` runs the full demo). Runs until interrupted (Ctrl-C or SIGTERM), then shuts down cleanly.

Options:
  -c, --config FILE   the gateway configuration (default: embedded defaults)
  -h, --help          show this help

Exit status: 0 after a clean shutdown, 1 when the gateway cannot start.

Example:
  portcullis serve --config portcullis.yaml`,
  async run(args) {
    const file = stringOption(args, "config");
    const config = file ? loadConfigFile(file) : resolveConfig({}, process.cwd());
    // One event per line: what a log line quotes from a client (an error naming a user) is escaped.
    const log = (line: string): void => console.error(`${new Date().toISOString()} ${visibleLine(line)}`);
    const gateway = await startGateway(config, log);
    log(`postgres listening on ${gateway.postgres.host}:${gateway.postgres.port} for ${targetsOfType(config.targets, "postgres").map((t) => t.name).join(", ") || "no targets"}`);
    log(`http listening on ${gateway.http.url}`);
    log(`policy ${gateway.engine.policy.current.revision} from ${config.policy.dir}; audit log ${config.auditPath}`);
    await untilSignal();
    log("shutting down");
    await gateway.close();
    return 0;
  },
};

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}
