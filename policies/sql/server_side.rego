# COPY to or from a file or a program, and functions that reach files, run on the database
# server with its operating-system account. Only settings.server_side.admin_groups may use them.
# COPY ... TO STDOUT / FROM STDIN goes through the client connection and is not concerned.
package portcullis.sql

import data.portcullis.lib.identity
import data.portcullis.lib.settings
import data.portcullis.lib.sql as sqllib

deny contains reason if {
	not identity.in_any_group(settings.admin_groups)
	some statement in input.action.statements
	statement.copy.endpoint in {"file", "program"}
	reason := sprintf(
		"COPY %s %s runs on the database server and is reserved to admins (%s)",
		[upper(statement.copy.direction), upper(statement.copy.endpoint), admins],
	)
}

deny contains reason if {
	not identity.in_any_group(settings.admin_groups)
	some statement in input.action.statements
	some name in statement.functions
	sqllib.function_name(name) in settings.server_side_functions
	reason := sprintf(
		"function %s reaches the database server's files and is reserved to admins (%s)",
		[name, admins],
	)
}

# admins names the admin groups in messages.
admins := concat(", ", settings.admin_groups) if {
	count(settings.admin_groups) > 0
} else := "none configured"
