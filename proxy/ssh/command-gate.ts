import type { ShellRequest } from "../../engine/actions/types.js";
import type { GateOutcome, HoldControl } from "../gate/types.js";
import type { RequestGate } from "../gate/request-gate.js";

/**
 * Passes one SSH `exec` command through the session's request gate as a shell request: decided,
 * approved when the policy requires it, and recorded before anything reaches the target. Without a
 * hold an approval is a ticket: the client runs the command again once it is approved.
 */
export function gateCommand(gate: RequestGate, command: string, hold?: () => HoldControl): Promise<GateOutcome> {
  const request: ShellRequest = { kind: "shell", text: command };
  return gate.decide(request, hold ? { hold } : {});
}
