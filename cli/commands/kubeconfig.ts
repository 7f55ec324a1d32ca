import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "../../engine/paths.js";
import { stringOption, UsageError, type Command } from "../command.js";
import { kubeconfigFor } from "../kube-credentials.js";

export const kubeconfigCommand: Command = {
  words: ["kubeconfig"],
  options: { target: { type: "string" }, server: { type: "string" }, "ca-file": { type: "string" }, gateway: { type: "string" }, output: { type: "string" } },
  help: `Usage: portcullis kubeconfig --target NAME --server URL [--ca-file FILE] [--gateway URL] [--output FILE]

Writes a kubeconfig for a Kubernetes target behind the gateway: kubectl then talks to the gateway
as if it were the cluster, with no extra flags. Its user runs \`portcullis token --kube\` as a
client-go exec credential plugin, so each token is fresh from your sign-in (\`portcullis login\`).

Options:
  --target NAME       the gateway's name for the cluster
  --server URL        the gateway's Kubernetes listener (https://HOST:PORT; listen.kubernetes)
  --ca-file FILE      the listener's certificate or CA (PEM; the gateway's self-signed one is
                      tls-cert.pem in its state directory)
  --gateway URL       the gateway's HTTP listener for tokens (default: the one used at login)
  --output FILE       where to write it (default: stdout)
  -h, --help          show this help

Approvals: a request the policy holds waits on the wire; kubectl waits with it (no timeout unless
--request-timeout is given: give one longer than an approval takes, e.g. --request-timeout=15m).

Exit status: 0 when written, 1 on error, 2 on bad usage.`,
  async run(args) {
    const target = stringOption(args, "target");
    const server = stringOption(args, "server");
    if (!target) throw new UsageError("--target NAME is required");
    if (!server || !/^https:\/\//.test(server)) throw new UsageError("--server https://HOST:PORT (the gateway's Kubernetes listener) is required");
    const caFile = stringOption(args, "ca-file");
    const gateway = stringOption(args, "gateway");
    const text = kubeconfigFor({ server, target, command: join(packageRoot, "bin", "portcullis"), ...(caFile ? { caPem: readFileSync(resolve(caFile), "utf8") } : {}), ...(gateway ? { gateway } : {}) });
    const output = stringOption(args, "output");
    if (output) writeFileSync(output, text, { mode: 0o600 });
    else process.stdout.write(text);
    return 0;
  },
};
