# Sensitive columns (settings.masking.columns) are masked for identities outside the reader groups
# (settings.masking.readers). The gateway masks a value on the wire only when the result column is
# the table column itself (usage "output"). Any other way a sensitive value can leave — through an
# expression, a function, a cast, an aggregate, a whole-row value, a set operation, a copy into
# another table, a view, COPY — cannot be masked, so the statement is denied instead.
# Columns only used to choose rows (usage "filter") and assigned columns ("write") are not concerned.
package portcullis.sql

import data.portcullis.lib.identity
import data.portcullis.lib.settings
import data.portcullis.lib.sql as sqllib

# masked_for_caller is true when some column is sensitive and the identity is not a reader.
masked_for_caller if {
	count(settings.masking_columns) > 0
	not identity.in_any_group(settings.masking_readers)
}

# sensitive_uses contains [column entry, configured sensitive column] for every column the
# statements that run may read from a sensitive column.
sensitive_uses contains [column, sensitive] if {
	masked_for_caller
	some statement in input.action.statements
	sqllib.runs(statement)
	some column in statement.columns
	some sensitive in settings.masking_columns
	sqllib.touches(column, sensitive.column)
}

# A sensitive column returned unchanged is masked on the wire.
mask contains mask_entry(sensitive) if {
	some [column, sensitive] in sensitive_uses
	column.usage == "output"
	not is_null(column.table)
}

# EXECUTE and FETCH return the rows of a statement prepared or declared earlier: the gateway cannot
# tell which columns they hold, so every sensitive column is masked (a column absent from the
# result is simply not there to mask). PREPARE and DECLARE were checked by the other rules.
# The gateway asks the same question (the mask for a FETCH) to learn which columns are masked for
# the caller wherever the text does not show what is read: views, functions, the server's errors.
mask contains mask_entry(sensitive) if {
	masked_for_caller
	some statement in input.action.statements
	statement.command in {"EXECUTE", "FETCH"}
	some sensitive in settings.masking_columns
}

deny contains reason if {
	some [column, sensitive] in sensitive_uses
	column.usage == "derived"
	reason := sprintf(
		"column %s is masked for you and cannot be used in expressions, copies or set operations",
		[sensitive.column],
	)
}

# Inference: a masked column that only chooses, orders, groups or joins rows never leaves the server,
# but the answer still depends on it. `WHERE ssn LIKE '1%'`, a sort order, a row count, an error or
# the time a query takes all tell something about the value, one bit per statement, so a program can
# read a whole value back. For identity kinds in settings.masking.inference.denied_kinds (default:
# services, which run such loops unattended) a masked column is refused anywhere but the select list.
deny contains reason if {
	input.identity.kind in settings.masking_inference_denied_kinds
	some [column, sensitive] in sensitive_uses
	column.usage == "filter"
	reason := sprintf(
		"column %s is masked for you and cannot be used to choose, order, group or join rows",
		[sensitive.column],
	)
}

# A result column that could not be traced to a table (for instance one returned by a function in
# FROM) cannot be masked on the wire: when its name is a sensitive column's, deny.
deny contains reason if {
	some [column, sensitive] in sensitive_uses
	column.usage == "output"
	is_null(column.table)
	reason := sprintf(
		"column %s cannot be traced to a table and may be %s, which is masked for you",
		[column.column, sensitive.column],
	)
}

# Dynamic SQL could read a sensitive column where no rule sees it.
deny contains reason if {
	masked_for_caller
	some statement in input.action.statements
	some why in dynamic_reasons(statement)
	reason := sprintf("dynamic SQL could read columns masked for you: %s", [why])
}

# The planner's statistics keep sample values of every column the gateway's role can read (most common
# values, histogram bounds), masked columns included.
statistics_relations := {"pg_stats", "pg_stats_ext", "pg_stats_ext_exprs", "pg_statistic", "pg_statistic_ext_data"}

deny contains reason if {
	masked_for_caller
	some statement in input.action.statements
	sqllib.runs(statement)
	some table in statement.tables
	table.name in statistics_relations
	table.schema in {null, "pg_catalog"}
	reason := sprintf("pg_catalog.%s holds sample values of columns masked for you", [table.name])
}

# Renaming a table holding sensitive columns, or one of its columns, takes them out of the policy's
# sight (it names them); a rule or a trigger on it runs on every change and may copy the row elsewhere.
definition_commands := {"ALTER RENAME", "CREATE RULE", "CREATE TRIGGER"}

deny contains reason if {
	masked_for_caller
	some statement in input.action.statements
	statement.command in definition_commands
	some table in statement.tables
	some sensitive in settings.masking_columns
	want := sqllib.column_name(sensitive.column)
	sqllib.relation_matches(table, want.schema, want.table)
	reason := sprintf("%s holds columns masked for you: %s on it is not allowed to you", [sqllib.table_name(table), statement.command])
}

# mask_entry(sensitive) is the decision's mask entry for a configured sensitive column.
mask_entry(sensitive) := object.filter(sensitive, {"column", "strategy", "keep"})

# reads_sensitive_table is true when a statement that runs reads a table holding a sensitive column
# (whether or not the caller sees it masked): the row limits of settings.reads apply to it.
reads_sensitive_table if {
	some statement in input.action.statements
	sqllib.runs(statement)
	some table in statement.tables
	table.access == "read"
	some sensitive in settings.masking_columns
	want := sqllib.column_name(sensitive.column)
	sqllib.relation_matches(table, want.schema, want.table)
}
