import { isObject, nodeOf, str } from "./ast.js";

type Fields = Record<string, unknown>;

/**
 * Orders the CTEs of a WITH RECURSIVE list so that each comes after the CTEs it names: there, unlike in a
 * plain WITH, a CTE may read one written after it (PostgreSQL sorts them the same way; mutual recursion is
 * refused by the server). A CTE naming itself is left to the recursive analysis.
 */
export function dependencyOrder(ctes: Fields[]): Fields[] {
  const byName = new Map<string, Fields>();
  for (const cte of ctes) {
    const name = str(cte.ctename);
    if (name !== undefined && !byName.has(name)) byName.set(name, cte);
  }
  const ordered: Fields[] = [];
  const seen = new Set<Fields>();
  const visit = (cte: Fields): void => {
    if (seen.has(cte)) return;
    seen.add(cte);
    for (const name of unqualifiedRelations(cte.ctequery, new Set())) {
      const named = byName.get(name);
      if (named) visit(named);
    }
    ordered.push(cte);
  };
  for (const cte of ctes) visit(cte);
  return ordered;
}

/** Every unqualified relation name in a parse tree (a superset of the CTEs it reads). */
function unqualifiedRelations(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) unqualifiedRelations(v, found);
    return found;
  }
  if (!isObject(value)) return found;
  const n = nodeOf(value);
  if (n?.[0] === "RangeVar" && str(n[1].schemaname) === undefined) {
    const name = str(n[1].relname);
    if (name !== undefined) found.add(name);
  }
  for (const child of Object.values(n ? n[1] : value)) unqualifiedRelations(child, found);
  return found;
}
