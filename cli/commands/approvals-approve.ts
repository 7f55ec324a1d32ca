import { decideCommand } from "./approvals-decide.js";

export const approvalsApproveCommand = decideCommand("approve");
