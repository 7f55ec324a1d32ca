import type { SqlStatement } from "../../engine/actions/sql/types.js";

/**
 * What SQL-level definitions of this session run when they are used later: PREPARE's statement runs at
 * each EXECUTE, DECLARE's query at each FETCH or MOVE. They are followed from the server's own command
 * completions (a definition counts once the server has done it), so an execution is decided on what it
 * runs, not on the word EXECUTE. Prepared statements share one namespace with the protocol's Parse, so
 * the relay's protocol-level state is kept in step here too.
 */
interface Cursor {
  text: string;
  /** WITH HOLD: survives the commit of the transaction that declared it. */
  hold: boolean;
  /** Declared in the transaction still open (undone if it rolls back). */
  open: boolean;
  /** How many savepoints were set when it was declared: rolling back to one of them closes it. */
  depth: number;
}

export class SqlDefinitions {
  private readonly prepared = new Map<string, string>();
  private readonly cursors = new Map<string, Cursor>();
  /** Savepoints of the open transaction block, oldest first (a name may repeat; the newest wins). */
  private savepoints: string[] = [];
  /** The server reported an error since it was last idle (an implicit transaction then rolls back). */
  private failedSinceIdle = false;

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
        if (cursor !== undefined) this.cursors.set(cursor, { text: statement.text, hold: statement.cursor_hold === true, open: true, depth: this.savepoints.length });
        return;
      case "SAVEPOINT":
        if (statement.savepoint_name !== undefined) this.savepoints.push(statement.savepoint_name);
        return;
      case "RELEASE": {
        const at = this.savepoints.lastIndexOf(statement.savepoint_name ?? "");
        if (at < 0) return;
        this.savepoints.length = at;
        for (const c of this.cursors.values()) if (c.open && c.depth > at) c.depth = at;
        return;
      }
      case "COMMIT":
        this.endTransaction(true);
        return;
      case "ROLLBACK": {
        // ROLLBACK TO SAVEPOINT closes the cursors opened since that savepoint (closing and moving a
        // cursor are not undone); ROLLBACK, and COMMIT of a failed block, close every cursor it opened.
        if (statement.command !== "ROLLBACK TO SAVEPOINT") return this.endTransaction(false);
        const at = this.savepoints.lastIndexOf(statement.savepoint_name ?? "");
        if (at < 0) return;
        this.savepoints.length = at + 1;
        for (const [name, c] of this.cursors) if (c.open && c.depth > at) this.drop(name, portals);
        return;
      }
      case "PREPARE TRANSACTION":
        this.endTransaction(false);
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
        this.savepoints = [];
        this.prepared.clear();
        this.cursors.clear();
        statements.clear();
        portals.clear();
        return;
      default:
        return;
    }
  }

  /** The server reported an error: an implicit transaction ends rolled back. */
  failed(): void {
    this.failedSinceIdle = true;
  }

  /**
   * The server is idle (ReadyForQuery "I"): whatever transaction was open has ended. An implicit one
   * (a Query outside a block) committed unless the server reported an error in it.
   */
  idle(portals: Map<string, unknown>): void {
    // Ending a transaction that opened nothing changes nothing: no test first, on this per-statement path.
    this.endTransaction(!this.failedSinceIdle, portals);
    this.failedSinceIdle = false;
  }

  private endTransaction(committed: boolean, portals?: Map<string, unknown>): void {
    this.savepoints.length = 0;
    for (const [name, c] of this.cursors) {
      if (committed && c.hold) c.open = false;
      else if (c.open || !c.hold) this.drop(name, portals);
    }
  }

  private drop(name: string, portals?: Map<string, unknown>): void {
    this.cursors.delete(name);
    portals?.delete(name);
  }

  /**
   * The definitions the statements use, to be decided together with them: the PREPARE behind each
   * EXECUTE (or the text of a statement prepared with Parse, through `protocolText`), the DECLARE behind
   * each FETCH or MOVE. An EXECUTE of a name this session never prepared is answered with that name.
   */
  usedBy(statements: SqlStatement[], protocolText: (name: string) => string | undefined): { texts: string[] } | { unknown: string } {
    const texts: string[] = [];
    // Definitions made earlier in the same message: the server runs the statements of one Query in
    // order and stops at the first error, so a later EXECUTE or FETCH runs only if they succeeded.
    const prepared = new Map<string, string | undefined>();
    const cursors = new Map<string, string | undefined>();
    for (const statement of statements) {
      const name = statement.prepared_name;
      const cursor = statement.cursor_name;
      if (statement.command === "PREPARE" && name !== undefined) prepared.set(name, statement.text);
      else if (statement.command === "DEALLOCATE") {
        if (name === undefined) for (const known of [...this.prepared.keys(), ...prepared.keys()]) prepared.set(known, undefined);
        else prepared.set(name, undefined);
      } else if (statement.command === "DECLARE CURSOR" && cursor !== undefined) cursors.set(cursor, statement.text);
      else if (statement.command === "EXECUTE" && name !== undefined) {
        // Deallocated earlier in this message, the name is known to be free: the server answers 26000.
        if (prepared.has(name)) {
          const text = prepared.get(name);
          if (text !== undefined) texts.push(text);
          continue;
        }
        const text = this.prepared.get(name) ?? protocolText(name);
        if (text === undefined) return { unknown: `prepared statement "${name}"` };
        texts.push(text);
      } else if (statement.command === "FETCH" && cursor !== undefined) {
        // A cursor a function opened (a refcursor) has no DECLARE here: the policy decides FETCH alone,
        // and masks every column it masks for the caller.
        const text = cursors.has(cursor) ? cursors.get(cursor) : this.cursors.get(cursor)?.text;
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
