# Dynamic SQL (DO blocks, query_to_xml, dblink...) runs SQL text the gateway never sees, so no
# other rule can check it. Identity kinds in settings.dynamic_sql.denied_kinds (default
# ["service"]) may not run it. For people, masking.rego also denies it to those who see masked columns.
package portcullis.sql

import data.portcullis.lib.settings

deny contains reason if {
	input.identity.kind in settings.dynamic_sql_denied_kinds
	some statement in input.action.statements
	some why in dynamic_reasons(statement)
	reason := sprintf("dynamic SQL is not allowed for %s identities: %s", [input.identity.kind, why])
}

# dynamic_reasons(statement) is why the statement runs SQL the gateway cannot see (empty when it does not).
dynamic_reasons(statement) := statement.dynamic_reasons if {
	count(statement.dynamic_reasons) > 0
} else := ["statement runs SQL text the gateway cannot see"] if {
	statement.dynamic_sql
} else := []
