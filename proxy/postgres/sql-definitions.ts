import type { SqlStatement } from "../../engine/actions/sql/types.js";

/**
 * What SQL-level definitions of this session run when they are used later: PREPARE's statement runs at
 * each EXECUTE, DECLARE's query at each FETCH or MOVE. They are followed from the server's own command
 * completions (a definition counts once the server has done it), so an execution is decided on what it
 * runs, not on the word EXECUTE. Prepared statements share one namespace with the protocol's Parse, so
 * the relay's protocol-level state is kept in step here too.
 */
export class SqlDefinitions {
  private readonly prepared = new Map<string, string>();
  private readonly cursors = new Map<string, string>();

  hasPrepared(name: string): boolean {
    return this.prepared.has(name);
  }

  hasCursor(name: string): boolean {
    return this.cursors.has(name);
  }

  /**
   * The server completed `statement` with command tag `tag`. `statements` and `portals` are the relay's
   * protocol-level names, which SQL DEALLOCATE, CLOSE and DISCARD end as well.
   */
  completed(statement: SqlStatement, tag: string, statements: Map<string, unknown>, portals: Map<string, unknown>): void {
    const prepared = statement.prepared_name;
    const cursor = statement.cursor_name;
    switch (tag) {
      case "PREPARE":
        if (prepared !== undefined) {
          this.prepared.set(prepared, statement.text);
          statements.delete(prepared);
        }
        return;
      case "DEALLOCATE":
        if (prepared !== undefined) {
          this.prepared.delete(prepared);
          statements.delete(prepared);
        }
        return;
      case "DEALLOCATE ALL":
        this.prepared.clear();
        statements.clear();
        return;
      case "DECLARE CURSOR":
        if (cursor !== undefined) this.cursors.set(cursor, statement.text);
        return;
      case "CLOSE CURSOR":
        if (cursor !== undefined) {
          this.cursors.delete(cursor);
          portals.delete(cursor);
        }
        return;
      case "CLOSE CURSOR ALL":
        this.cursors.clear();
        portals.clear();
        return;
      case "DISCARD ALL":
        this.prepared.clear();
        this.cursors.clear();
        statements.clear();
        portals.clear();
        return;
      default:
        return;
    }
  }

  /**
   * The definitions the statements use, to be decided together with them: the PREPARE behind each
   * EXECUTE (or the text of a statement prepared with Parse, through `protocolText`), the DECLARE behind
   * each FETCH or MOVE. An EXECUTE of a name this session never prepared is answered with that name.
   */
  usedBy(statements: SqlStatement[], protocolText: (name: string) => string | undefined): { texts: string[] } | { unknown: string } {
    const texts: string[] = [];
    for (const statement of statements) {
      if (statement.command === "EXECUTE" && statement.prepared_name !== undefined) {
        const text = this.prepared.get(statement.prepared_name) ?? protocolText(statement.prepared_name);
        if (text === undefined) return { unknown: `prepared statement "${statement.prepared_name}"` };
        texts.push(text);
      } else if (statement.command === "FETCH" && statement.cursor_name !== undefined) {
        // A cursor a function opened (a refcursor) has no DECLARE here: the policy decides FETCH alone,
        // and masks every column it masks for the caller.
        const text = this.cursors.get(statement.cursor_name);
        if (text !== undefined) texts.push(text);
      }
    }
    return { texts };
  }
}

/**
 * One text for the policy: the definitions first, then the request. A newline ends any `--` comment a
 * definition's text ends with, so the separator cannot be commented out.
 */
export function withDefinitions(texts: string[], sql: string): string {
  return texts.length === 0 ? sql : [...texts, sql].join("\n;\n");
}
