# UPDATE and DELETE must be bounded by a WHERE clause that depends on the row (WHERE 1=1 does not).
# Every data change counts, including those inside CTEs (WITH d AS (DELETE ...) SELECT ...).
# A plain EXPLAIN only plans the statement, so it is exempt; EXPLAIN ANALYZE runs it and is not.
package portcullis.sql

import data.portcullis.lib.sql as sqllib

deny contains reason if {
	some statement in input.action.statements
	sqllib.runs(statement)
	some write in statement.writes
	write.where_bounded == false
	reason := sprintf("%s without WHERE on %s", [write.command, sqllib.table_name(write.table)])
}
