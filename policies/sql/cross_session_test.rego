package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_terminating_another_backend_is_reserved_to_admins if {
	action := {"kind": "sql", "statements": [object.union(fx.read_file.statements[0], {"functions": ["pg_terminate_backend"], "tables": []})]}
	reasons := sql.deny with input as fx.request(action, fx.alice, fx.staging)
	reasons == {"function pg_terminate_backend reaches other sessions and is reserved to admins (dba)"}
	count(sql.deny) == 0 with input as fx.request(action, fx.dba, fx.staging)
}

test_reading_other_sessions_queries_is_reserved_to_admins if {
	table := {"schema": "pg_catalog", "name": "pg_stat_activity", "access": "read"}
	action := {"kind": "sql", "statements": [object.union(fx.read_file.statements[0], {"functions": [], "tables": [table]})]}
	reasons := sql.deny with input as fx.request(action, fx.alice, fx.staging)
	reasons == {"pg_catalog.pg_stat_activity shows other sessions' statements and is reserved to admins (dba)"}
}

lock_action(lock) := {"kind": "sql", "statements": [object.union(
	fx.read_file.statements[0],
	object.union({"command": "LOCK", "category": "dml", "functions": [], "tables": [{"schema": null, "name": "orders", "access": "write"}]}, lock),
)]}

test_locks_stronger_than_row_exclusive_are_reserved_to_admins if {
	every mode in {"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"} {
		reasons := sql.deny with input as fx.request(lock_action({"lock": {"mode": mode}}), fx.alice, fx.staging)
		reasons == {sprintf("LOCK in %s mode blocks other sessions and is reserved to admins (dba)", [mode])}
		count(sql.deny) == 0 with input as fx.request(lock_action({"lock": {"mode": mode}}), fx.dba, fx.staging)
	}
}

test_weak_locks_are_anyone_s if {
	every mode in {"ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE"} {
		count(sql.deny) == 0 with input as fx.request(lock_action({"lock": {"mode": mode}}), fx.alice, fx.staging)
	}
}

test_a_lock_without_its_mode_counts_as_access_exclusive if {
	reasons := sql.deny with input as fx.request(lock_action({}), fx.alice, fx.staging)
	reasons == {"LOCK in ACCESS EXCLUSIVE mode blocks other sessions and is reserved to admins (dba)"}
}
