import type { Refusal } from "../gate/types.js";

/** The exit status of a command the gateway refused (ssh prints stderr and exits with it). */
export const REFUSED_EXIT_STATUS = 1;

/**
 * The gate's refusal as an SSH client reads it: one line on the channel's stderr, followed by exit
 * status 1. An approval names its request, who may approve it and how to run the command again.
 */
export function refusalMessage(refusal: Refusal): string {
  switch (refusal.code) {
    case "approval_required": {
      const approval = refusal.approval;
      if (!approval) return `Portcullis: ${refusal.message}\n`;
      return `Portcullis: ${refusal.message}\nOnce ${approval.id} is approved (portcullis approvals approve ${approval.id}), run the same command again within ${approval.ttlSeconds} s.\n`;
    }
    case "unparsable":
      return `Portcullis denied this command: ${refusal.detail ?? refusal.message}\n`;
    case "cancelled":
      return `Portcullis: the command was cancelled${refusal.detail ? ` (${refusal.detail})` : ""}\n`;
    case "audit_failed":
      return "Portcullis denied this command: the audit log could not record it\n";
    case "denied":
    case "approval_refused":
    case "unavailable":
      return `Portcullis denied this command: ${refusal.message}\n`;
  }
}

/** What the gateway does not offer over SSH yet, refused at the SSH layer with this message. */
export function unsupportedMessage(what: string): string {
  return `Portcullis does not allow ${what} through the gateway: run commands with ssh HOST COMMAND\n`;
}
