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
