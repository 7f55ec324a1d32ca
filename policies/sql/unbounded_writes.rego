# A change of existing rows must be bounded by a predicate on the target's own columns (WHERE 1=1,
# a join condition or a filter on another table do not bound it; see engine/actions/sql/write-bounds.ts).
# Every data change counts: UPDATE and DELETE, each UPDATE or DELETE action of a MERGE, an INSERT's
# ON CONFLICT DO UPDATE, those inside CTEs (WITH d AS (DELETE ...) SELECT ...).
# A plain EXPLAIN only plans the statement, so it is exempt; EXPLAIN ANALYZE runs it and is not.
package portcullis.sql

import data.portcullis.lib.sql as sqllib

deny contains reason if {
	some statement in input.action.statements
	sqllib.runs(statement)
	some write in statement.writes
	write.where_bounded == false
	not write.via
	reason := sprintf("%s without WHERE on %s", [write.command, sqllib.table_name(write.table)])
}

deny contains reason if {
	some statement in input.action.statements
	sqllib.runs(statement)
	some write in statement.writes
	write.where_bounded == false
	write.via
	reason := sprintf(
		"%s by %s on %s without a condition on its own columns",
		[write.command, write.via, sqllib.table_name(write.table)],
	)
}

# changes_existing_rows(write) is true for a write that may change rows already in the table (not
# one that only adds rows): UPDATE, DELETE, a MERGE, an INSERT's ON CONFLICT DO UPDATE. TRUNCATE
# empties the table by design: approvals govern it (settings.approvals.write_commands).
changes_existing_rows(write) if write.command in {"UPDATE", "DELETE", "MERGE"}

changes_existing_rows(write) if write.via
