import type { Command } from "./command.js";

/**
 * Every command: its words and one-line summary here, its code loaded only when it runs. Loading
 * every command up front pulled in the whole engine, identity and proxy stack (about a second per
 * start), which `portcullis token` inside a PGPASSWORD=$(…) line should not pay.
 */
export interface CommandEntry {
  words: string[];
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  { words: ["serve"], summary: "run the gateway: PostgreSQL listener, token exchange and JWKS, audit log, policy hot reload", load: async () => (await import("./commands/serve.js")).serveCommand },
  { words: ["demo"], summary: "run the gateway on embedded defaults with a demo PostgreSQL and identity provider (npm start)", load: async () => (await import("./commands/demo.js")).demoCommand },
  { words: ["eval"], summary: "decide one request and print its action document and decision (policy debugging)", load: async () => (await import("./commands/eval.js")).evalCommand },
  { words: ["policy", "test"], summary: "fmt, check, unit-test (with coverage), build to WASM and run conformance for a policy", load: async () => (await import("./commands/policy-test.js")).policyTestCommand },
  { words: ["conformance", "run"], summary: "replay conformance cases and session recordings against a policy", load: async () => (await import("./commands/conformance-run.js")).conformanceRunCommand },
  { words: ["login"], summary: "sign in with your identity provider (device flow) and keep the tokens for `portcullis token`", load: async () => (await import("./commands/login.js")).loginCommand },
  { words: ["token"], summary: "print a short-lived gateway token (for PGPASSWORD, ssh or kubectl)", load: async () => (await import("./commands/token.js")).tokenCommand },
  { words: ["ssh", "login"], summary: "get a short-lived SSH certificate and an ssh_config so plain ssh reaches targets with no prompt", load: async () => (await import("./commands/ssh-login.js")).sshLoginCommand },
  { words: ["kubeconfig"], summary: "write a kubeconfig for a Kubernetes target behind the gateway (kubectl with no extra flags)", load: async () => (await import("./commands/kubeconfig.js")).kubeconfigCommand },
  { words: ["whoami"], summary: "show who the gateway sees you as: subject, issuer, groups, expiry", load: async () => (await import("./commands/whoami.js")).whoamiCommand },
  { words: ["logout"], summary: "forget your stored sign-in (and revoke its refresh token at the identity provider)", load: async () => (await import("./commands/logout.js")).logoutCommand },
  { words: ["revoke"], summary: "revoke a subject or a token at the gateway, on every instance (admins; off-boarding)", load: async () => (await import("./commands/revoke.js")).revokeCommand },
  { words: ["approvals", "list"], summary: "list approval requests you may decide (and your own), newest first", load: async () => (await import("./commands/approvals-list.js")).approvalsListCommand },
  { words: ["approvals", "show"], summary: "show one approval request: requester, target, reasons, approvers, the statement", load: async () => (await import("./commands/approvals-show.js")).approvalsShowCommand },
  { words: ["approvals", "approve"], summary: "approve a pending request by its ID (once, or for a window)", load: async () => (await import("./commands/approvals-approve.js")).approvalsApproveCommand },
  { words: ["approvals", "deny"], summary: "deny a pending request by its ID", load: async () => (await import("./commands/approvals-deny.js")).approvalsDenyCommand },
  { words: ["audit", "verify"], summary: "check the audit log's hash chain and report the first broken link", load: async () => (await import("./commands/audit-verify.js")).auditVerifyCommand },
  { words: ["audit", "tail"], summary: "print the last audit records, and follow new ones", load: async () => (await import("./commands/audit-tail.js")).auditTailCommand },
  { words: ["audit", "search"], summary: "find audit records by subject, target, decision and time", load: async () => (await import("./commands/audit-search.js")).auditSearchCommand },
  { words: ["audit", "export"], summary: "write audit records as JSON Lines, for other tools", load: async () => (await import("./commands/audit-export.js")).auditExportCommand },
  { words: ["audit", "repair"], summary: "cut off a torn last line left in the audit log by a crash", load: async () => (await import("./commands/audit-repair.js")).auditRepairCommand },
];
