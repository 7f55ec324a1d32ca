# The gateway connects to the target as a role chosen for the identity. SET ROLE and
# SET SESSION AUTHORIZATION would switch every later statement to another role, so they are
# denied to everyone (settings.session.locked_settings). Going back (RESET ROLE, SET ROLE NONE,
# SET ... TO DEFAULT) is fine. set_config() can set the same settings by name, and the gateway
# cannot see which one, so it is denied too: use SET for other settings.
package portcullis.sql

import data.portcullis.lib.settings
import data.portcullis.lib.sql as sqllib

deny contains reason if {
	some statement in input.action.statements
	statement.command == "SET"
	statement.setting.name in settings.locked_settings
	not resets_role(statement.setting)
	reason := sprintf(
		"SET %s is not allowed: it changes the database role the gateway connected as",
		[upper(replace(statement.setting.name, "_", " "))],
	)
}

deny contains reason if {
	some statement in input.action.statements
	some name in statement.functions
	sqllib.function_name(name) in settings.setting_functions
	reason := sprintf("function %s can change the database role and is not allowed; use SET instead", [name])
}

# SET ROLE NONE is RESET ROLE.
resets_role(setting) if {
	setting.name == "role"
	lower(setting.value) == "none"
}
