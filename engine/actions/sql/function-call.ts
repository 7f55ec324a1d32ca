/**
 * A function called by OID (the PostgreSQL protocol's FunctionCall message, which libpq's large-object
 * API uses) does exactly what `SELECT schema.fn(arguments)` does. It is decided as that statement, so
 * every rule about functions (side effects, server-side file access, volatility) applies to both forms
 * alike. Arguments are parameters, each cast to the declared type, as they are bound on the server.
 */

export interface CalledFunction {
  schema: string;
  name: string;
  /** Declared argument types, as format_type() prints them (valid SQL type names). */
  argumentTypes: string[];
}

/** The SQL statement a function call by OID stands for. */
export function functionCallStatement(fn: CalledFunction): string {
  const args = fn.argumentTypes.map((type, i) => `$${i + 1}::${type}`).join(", ");
  return `SELECT ${quoteIdentifier(fn.schema)}.${quoteIdentifier(fn.name)}(${args})`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
