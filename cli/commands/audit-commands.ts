import type { Command } from "../command.js";
import { auditExportCommand } from "./audit-export.js";
import { auditRepairCommand } from "./audit-repair.js";
import { auditSearchCommand } from "./audit-search.js";
import { auditTailCommand } from "./audit-tail.js";
import { auditVerifyCommand } from "./audit-verify.js";

/** The `portcullis audit …` commands, in the order `--help` lists them. */
export const auditCommands: Command[] = [auditVerifyCommand, auditTailCommand, auditSearchCommand, auditExportCommand, auditRepairCommand];
