# Every session reaches the database as the target's one role, so what one session may do to another
# is the gateway's to decide: ending or cancelling another backend, and reading other sessions' query
# text (which holds their literals: an SSN in a WHERE clause) are reserved to admins.
package portcullis.sql

import data.portcullis.lib.identity
import data.portcullis.lib.settings
import data.portcullis.lib.sql as sqllib

# Functions that act on other backends or return their query text.
cross_session_functions := {
	"pg_terminate_backend",
	"pg_cancel_backend",
	"pg_stat_get_activity",
	"pg_stat_statements",
	"pg_stat_statements_reset",
	"pg_blocking_pids",
}

# Relations whose rows hold other sessions' query text.
cross_session_relations := {"pg_stat_activity", "pg_stat_statements", "pg_stat_statements_info"}

deny contains reason if {
	not identity.in_any_group(settings.admin_groups)
	some statement in input.action.statements
	some name in statement.functions
	sqllib.function_name(name) in cross_session_functions
	reason := sprintf("function %s reaches other sessions and is reserved to admins (%s)", [name, admins])
}

deny contains reason if {
	not identity.in_any_group(settings.admin_groups)
	some statement in input.action.statements
	some table in statement.tables
	table.name in cross_session_relations
	reason := sprintf("%s shows other sessions' statements and is reserved to admins (%s)", [sqllib.table_name(table), admins])
}

# Table locks that conflict with ordinary writes (stronger than ROW EXCLUSIVE) make every other
# session's writes, or with ACCESS EXCLUSIVE even its reads, wait until this transaction ends.
# https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES
cross_session_lock_modes := {"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}

deny contains reason if {
	not identity.in_any_group(settings.admin_groups)
	some statement in input.action.statements
	statement.command == "LOCK"
	mode := lock_mode(statement)
	mode in cross_session_lock_modes
	reason := sprintf("LOCK in %s mode blocks other sessions and is reserved to admins (%s)", [mode, admins])
}

# A LOCK whose mode the action does not state is taken as the strongest, as LOCK TABLE without a mode is.
lock_mode(statement) := statement.lock.mode

lock_mode(statement) := "ACCESS EXCLUSIVE" if not statement.lock.mode
