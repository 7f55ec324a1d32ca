import type { Refusal } from "../gate/types.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";

/**
 * The gate's refusal as PostgreSQL says it. A statement that does not parse is answered as the server
 * would answer it: 42601 at its position (1-based). A cancelled wait is 57014, as a cancelled
 * statement is. Everything else is 42501 with the reason.
 */
export function errorOf(refusal: Refusal): ErrorFields {
  switch (refusal.code) {
    case "unparsable":
      if (/syntax error|unterminated|invalid|zero-length/i.test(refusal.message)) {
        return { code: SQLSTATE.syntaxError, message: refusal.message, position: (refusal.position ?? 0) + 1, detail: `Portcullis denied this statement: ${refusal.detail ?? "it does not parse"}` };
      }
      return statementDenial(refusal.detail ?? refusal.message);
    case "approval_required": {
      const approval = refusal.approval;
      if (!approval) return { code: SQLSTATE.insufficientPrivilege, message: `Portcullis: ${refusal.message}`, hint: "this statement needs a human approval before it can run" };
      return {
        code: SQLSTATE.insufficientPrivilege,
        message: `Portcullis: ${refusal.message}`,
        hint: `once ${approval.id} is approved (portcullis approvals approve ${approval.id}), run the same statement again within ${approval.ttlSeconds} s`,
      };
    }
    case "cancelled":
      return { code: SQLSTATE.queryCanceled, message: "canceling statement due to user request", ...(refusal.detail ? { detail: refusal.detail } : {}) };
    case "audit_failed":
      return statementDenial("the audit log could not record this statement");
    case "denied":
    case "approval_refused":
    case "unavailable":
      return statementDenial(refusal.message);
  }
}

/** A refusal of the statement, with the reason the client reads. */
export function statementDenial(reason: string): ErrorFields {
  return { code: SQLSTATE.insufficientPrivilege, message: `Portcullis denied this statement: ${reason}` };
}
