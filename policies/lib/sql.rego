# Helpers for rules about SQL action documents (schemas/action.sql.json).
package portcullis.lib.sql

# table_name(relation) formats a relation for messages: "public.orders", or "orders" when the
# statement left it unqualified (schema null).
table_name(relation) := concat(".", [relation.schema, relation.name]) if {
	is_string(relation.schema)
} else := relation.name

# runs(statement) is true unless the statement is a plain EXPLAIN, which only plans the
# statement it explains. EXPLAIN ANALYZE executes it, so it runs.
runs(statement) if not plain_explain(statement)

plain_explain(statement) if statement.explain.analyze == false

# relation_matches(relation, schema, table) is true when a relation of the action document may be the
# configured table schema.table:
#   - an unqualified relation (schema null) resolves through search_path at run time, so it matches
#     a table of that name in any schema (conservative);
#   - a configured schema "*" matches every schema.
relation_matches(relation, schema, table) if {
	relation.name == table
	schema_matches(relation.schema, schema)
}

schema_matches(actual, _) if is_null(actual)

schema_matches(_, "*")

schema_matches(actual, configured) if actual == configured

# column_name(name) splits a configured column name "schema.table.column" into its parts.
column_name(name) := {"schema": parts[0], "table": parts[1], "column": parts[2]} if {
	parts := split(name, ".")
	count(parts) == 3
}

# touches(column, configured) is true when a column entry of the action document
# ({"table": relation or null, "column": name or "*", "usage": ...}) may carry the configured
# column "schema.table.column":
#   - "*" (SELECT *, t.*, a whole-row reference, COPY) carries every column of its table;
#   - a column whose table is null could not be traced to a table: it matches by name alone.
touches(column, configured) if {
	want := column_name(configured)
	column.column in {"*", want.column}
	table_matches(column.table, want)
}

table_matches(table, _) if is_null(table)

table_matches(table, want) if relation_matches(table, want.schema, want.table)

# function_name(name) is a called function's bare name: "pg_catalog.set_config" -> "set_config".
function_name(name) := parts[count(parts) - 1] if {
	parts := split(name, ".")
}
