import { functionCallStatement, type CalledFunction } from "../../engine/actions/sql/function-call.js";
import type { Verdict } from "../../engine/decide.js";
import type { HoldControl } from "../gate/types.js";
import type { ColumnCatalog } from "./catalog.js";
import type { PostgresGatewayContext } from "./context.js";
import type { ErrorFields } from "./protocol/backend-messages.js";
import { SQLSTATE } from "./protocol/codes.js";
import { readFunctionOid } from "./protocol/frontend-messages.js";
import type { GateSession } from "./gate-session.js";
import { gateStatement } from "./statement-gate.js";
import { messageOf } from "../../engine/errors.js";

/**
 * The FunctionCall message names a function by OID. The gateway looks the OID up in the target's
 * catalog and decides the call as the SQL statement it amounts to (`SELECT schema.fn($1::type, …)`),
 * recorded like any statement; the server then runs the message itself. What the client receives is
 * the server's FunctionCallResponse: a single value that no column mask can address, so a call the
 * policy would answer with masks is refused rather than passed through.
 */

export type FunctionCallGate = { ok: true; sql: string; verdict: Verdict; requestId: number; sensitive: boolean } | { ok: false; error: ErrorFields };

interface ProcRow {
  schema: string;
  name: string;
  kind: string;
  retset: boolean;
  types: string[];
}

const LOOKUP = `
  SELECT n.nspname AS schema, p.proname AS name, p.prokind::text AS kind, p.proretset AS retset,
         ARRAY(SELECT pg_catalog.format_type(t.oid, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS t(oid, i) ORDER BY t.i) AS types
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE p.oid = $1::oid`;

/** The function an OID names on the target, or undefined when there is none. */
export async function functionByOid(catalog: ColumnCatalog, oid: number): Promise<ProcRow | undefined> {
  // An array: an OID not found is not kept, a function created a moment later is found.
  const rows = await catalog.cached(`function-oid:${oid}`, () => catalog.rows<ProcRow>(LOOKUP, [String(oid)]));
  return rows[0];
}

/** Decides one FunctionCall message (its body) and records the decision. */
export async function gateFunctionCall(context: PostgresGatewayContext, who: GateSession, body: Buffer, hold: () => HoldControl): Promise<FunctionCallGate> {
  const oid = readFunctionOid(body);
  // The server's own answer to a message too short to name a function (pqformat.c).
  if (oid === undefined) return refused(SQLSTATE.protocolViolation, "insufficient data left in message");
  let fn: ProcRow | undefined;
  try {
    fn = await functionByOid(context.catalog(who.target), oid);
  } catch (error) {
    context.log(`function ${oid} could not be looked up, denying: ${messageOf(error)}`);
    return refused(SQLSTATE.insufficientPrivilege, `Portcullis denied this function call: function ${oid} could not be looked up on the target`);
  }
  // The server's own answers to a call it would not run (fastpath.c); everything after the OID
  // (argument count, formats, sizes) it checks itself once the call is allowed.
  if (!fn) return refused("42883", `function with OID ${oid} does not exist`);
  if (fn.kind !== "f" || fn.retset) return refused(SQLSTATE.featureNotSupported, `cannot call function "${fn.name}" via fastpath interface`);
  const called: CalledFunction = { schema: fn.schema, name: fn.name, argumentTypes: fn.types };
  const sql = functionCallStatement(called);
  const gate = await gateStatement(context, who, sql, hold);
  if (!gate.ok) return { ok: false, error: gate.error };
  if ((gate.verdict.decision.mask ?? []).length > 0) {
    return refused(SQLSTATE.insufficientPrivilege, `Portcullis denied this function call: its result would need masking (${sql}); use the SQL form`);
  }
  return { ok: true, sql, verdict: gate.verdict, requestId: gate.requestId, sensitive: gate.sensitive };
}

function refused(code: string, message: string): FunctionCallGate {
  return { ok: false, error: { code, message } };
}
