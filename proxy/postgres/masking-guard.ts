import { sqlShapeOf } from "../../engine/actions/sql/action-cache.js";
import { frozenId } from "../../engine/frozen.js";
import type { Verdict } from "../../engine/decide.js";
import type { RelationName, SqlStatement } from "../../engine/actions/sql/types.js";
import { policyTarget, type MaskRule } from "../../engine/policy/types.js";
import type { CatalogColumn, ColumnCatalog } from "./catalog.js";
import type { PostgresGatewayContext } from "./context.js";
import { definedFunctions, relationFacts, type ColumnRead, type RelationFacts } from "./server-objects.js";
import type { GateSession } from "./gate-session.js";

/**
 * The policy decides on the statement's text; some of what a statement reads is not in its text. A
 * view, a materialized view or a function defined in the database runs a query of its own, and
 * PostgreSQL reports the view's columns (or none) as the origin of what it returns, so a masked column
 * read through one could not be masked on the wire. An inheritance child or partition holds its
 * parent's columns under its own name. And the server's error messages quote the values they fail on.
 *
 * So, for a caller with masked columns, the gateway denies a statement that reads a masked column
 * through a view, calls a function defined in the database (what it reads cannot be known), or uses a
 * masked column of an inheritance child; and it withholds the text of the server's runtime errors.
 * Denying is the simplest answer that is never unsafe: a view's columns cannot be mapped one by one
 * to the columns they are computed from (pg_depend records what the whole query reads).
 */

/** Which columns are masked for the caller wherever the gateway cannot trace a value to its column. */
export interface CallerMasks {
  rules: MaskRule[];
  /** The policy would not say: every column counts as masked. */
  unknown: boolean;
}

const asked = new WeakMap<GateSession, { revision: string; masks: CallerMasks }>();

/** The policy's masked columns for the caller, asked once per session and policy revision. */
export function callerMasks(context: PostgresGatewayContext, who: GateSession, revision: string): CallerMasks {
  const hit = asked.get(who);
  if (hit && hit.revision === revision) return hit.masks;
  const answer = context.maskedColumns({ identity: who.identity, session: who.session, target: policyTarget(who.target) });
  const masks: CallerMasks = answer.known ? { rules: answer.rules, unknown: false } : { rules: [], unknown: true };
  if (!answer.known) context.log(`masked columns unknown for ${who.identity.subject} on ${who.target.name}: ${answer.reason}; every column counts as masked`);
  asked.set(who, { revision: answer.revision, masks });
  return masks;
}

export interface Guard {
  /** The caller has masked columns: the server's runtime error messages are withheld. */
  sensitive: boolean;
  /** Why the statement must be denied; empty when it may run. */
  reasons: string[];
}

/**
 * Checks an allowed (or masked) statement against what the server holds behind its names. The answer
 * depends on what the statement does (not its text), the caller's masks and the catalog: a statement
 * of a shape already checked for these masks gets the same answer while the catalog entries it was
 * checked against last (ColumnCatalog.derived).
 */
export async function guardStatement(context: PostgresGatewayContext, who: GateSession, verdict: Verdict): Promise<Guard> {
  const masks = callerMasks(context, who, verdict.revision);
  if (masks.rules.length === 0 && !masks.unknown) return { sensitive: false, reasons: [] };
  const catalog = context.catalog(who.target);
  const shape = verdict.action.kind === "sql" ? sqlShapeOf(verdict.action) : undefined;
  if (shape === undefined) return checkStatements(catalog, verdict, masks);
  return catalog.derived(`guard ${shape} ${frozenId(masks)}`, async () => Object.freeze(await checkStatements(catalog, verdict, masks)));
}

async function checkStatements(catalog: ColumnCatalog, verdict: Verdict, masks: CallerMasks): Promise<Guard> {
  const masked: CatalogColumn[] = [];
  for (const rule of masks.rules) masked.push(...(await catalog.resolve(rule.column)));
  const reasons = new Set<string>();
  for (const statement of verdict.action.kind === "sql" ? verdict.action.statements : []) {
    for (const reason of await statementReasons(catalog, statement, masked, masks.unknown)) reasons.add(reason);
  }
  return { sensitive: true, reasons: Object.freeze([...reasons]) as string[] };
}

async function statementReasons(catalog: ColumnCatalog, statement: SqlStatement, masked: CatalogColumn[], unknown: boolean): Promise<string[]> {
  const reasons: string[] = [];
  for (const name of new Set(statement.functions)) {
    for (const signature of await definedFunctions(catalog, name)) {
      reasons.push(`function ${signature} is defined in the database: Portcullis cannot see what it reads, and columns are masked for you`);
    }
  }
  const seen = new Set<string>();
  for (const table of statement.tables) {
    const key = `${table.schema ?? ""}\u0000${table.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const facts of await relationFacts(catalog, table)) {
      reasons.push(...viewReasons(facts, masked, unknown));
      reasons.push(...inheritedReasons(facts, table, statement, masked));
    }
  }
  return reasons;
}

function viewReasons(facts: RelationFacts, masked: CatalogColumn[], unknown: boolean): string[] {
  if (facts.kind !== "view" && facts.kind !== "materialized view") return [];
  const reasons = facts.functions.map((f) => `${facts.kind} ${facts.relation} calls function ${f}: Portcullis cannot see what it reads, and columns are masked for you`);
  if (unknown && facts.reads.length > 0) reasons.push(`${facts.kind} ${facts.relation} may read columns masked for you`);
  for (const read of facts.reads) {
    const hit = masked.find((m) => reaches(read, m));
    if (hit) reasons.push(`${facts.kind} ${facts.relation} reads ${hit.relation}.${hit.column}, which is masked for you`);
  }
  return reasons;
}

/** A column read (attribute 0: a whole row) is the masked column, or the same column of a table inheriting it. */
function reaches(read: ColumnRead, masked: CatalogColumn): boolean {
  if (read.tableOid === masked.tableOid) return read.attributeNumber === 0 || read.attributeNumber === masked.attributeNumber;
  return read.ancestors.includes(masked.tableOid) && (read.attributeNumber === 0 || read.column === masked.column);
}

/** A masked column of an inheritance child or partition may be used only through the table it inherits from. */
function inheritedReasons(facts: RelationFacts, table: RelationName, statement: SqlStatement, masked: CatalogColumn[]): string[] {
  const reasons: string[] = [];
  for (const column of masked) {
    if (!facts.ancestors.includes(column.tableOid)) continue;
    const used = statement.columns.some((c) => (c.column === column.column || c.column === "*") && (c.table === null || (c.table.name === table.name && c.table.schema === table.schema)));
    if (used) reasons.push(`${facts.relation} inherits ${column.column} from ${column.relation}, which is masked for you: read it through ${column.relation}`);
  }
  return reasons;
}
