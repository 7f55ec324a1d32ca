# Some functions act beyond the statement: a notification every listener receives, a large object,
# a sequence value, a setting, an advisory lock, a logical-decoding message (statement.side_effects).
# What they were given, or what the statement chose rows by, stays readable afterwards by other
# statements and other sessions, out of reach of masking. So for a caller with masked columns, a
# statement that runs such a call may not use a masked column in any way but returning it unchanged
# (which the gateway masks on the wire): not computed into a value (the call's argument) and not as
# a filter (whose outcome the call would record for everyone to read).
package portcullis.sql

import data.portcullis.lib.settings
import data.portcullis.lib.sql as sqllib

deny contains reason if {
	masked_for_caller
	some statement in input.action.statements
	sqllib.runs(statement)
	some effect in object.get(statement, "side_effects", [])
	some column in statement.columns
	column.usage in {"derived", "filter"}
	some sensitive in settings.masking_columns
	sqllib.touches(column, sensitive.column)
	reason := sprintf(
		"function %s writes beyond the statement (%s) and the statement uses column %s, which is masked for you",
		[effect.function, effect.kind, sensitive.column],
	)
}
