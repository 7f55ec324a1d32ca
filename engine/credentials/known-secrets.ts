import type { GatewayConfig, TargetConfig } from "../config/types.js";

/** The credentials a target is reached with, whatever its protocol: what must never leave the gateway. */
export function targetSecrets(target: TargetConfig): string[] {
  switch (target.type) {
    case "postgres":
      return [target.password];
    case "ssh":
      // The whole key as written, and each of its lines: a fragment of a PEM body is as secret as the whole.
      return [target.privateKey, ...target.privateKey.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith("-----"))];
    case "kubernetes":
      return [target.token ?? "", target.clientKey ?? ""];
  }
}

/**
 * Every secret the gateway holds, for the redaction guard of the audit log and session recordings:
 * each target's credentials and the gateway's own (masking key, webhook secret, console client
 * secret). A value in this list is replaced wherever it would be written.
 */
export function knownSecrets(config: GatewayConfig): string[] {
  const secrets = config.targets.flatMap(targetSecrets);
  if (config.maskingHashKey) secrets.push(config.maskingHashKey);
  if (config.approvals.webhook) secrets.push(config.approvals.webhook.secret);
  if (config.console?.clientSecret) secrets.push(config.console.clientSecret);
  return secrets.filter((s) => s.length > 0);
}
