import { decideCommand } from "./approvals-decide.js";

export const approvalsDenyCommand = decideCommand("deny");
