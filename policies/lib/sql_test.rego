package portcullis.lib.sql_test

import data.portcullis.lib.sql as sqllib

test_table_name_keeps_the_schema_when_written if {
	sqllib.table_name({"schema": "public", "name": "orders"}) == "public.orders"
	sqllib.table_name({"schema": null, "name": "orders"}) == "orders"
}

test_unqualified_relation_matches_any_schema if {
	sqllib.relation_matches({"schema": null, "name": "users"}, "public", "users")
	sqllib.relation_matches({"schema": null, "name": "users"}, "billing", "users")
}

test_qualified_relation_matches_its_schema_only if {
	sqllib.relation_matches({"schema": "public", "name": "users"}, "public", "users")
	not sqllib.relation_matches({"schema": "archive", "name": "users"}, "public", "users")
	not sqllib.relation_matches({"schema": "public", "name": "orders"}, "public", "users")
}

test_wildcard_schema_matches_every_schema if {
	sqllib.relation_matches({"schema": "archive", "name": "users"}, "*", "users")
}

test_column_name_needs_three_parts if {
	sqllib.column_name("public.users.ssn") == {"schema": "public", "table": "users", "column": "ssn"}
	not sqllib.column_name("users.ssn")
}

test_touches_by_name_table_or_star if {
	users := {"schema": null, "name": "users"}
	sqllib.touches({"table": users, "column": "ssn", "usage": "output"}, "public.users.ssn")
	sqllib.touches({"table": users, "column": "*", "usage": "output"}, "public.users.ssn")
	sqllib.touches({"table": null, "column": "ssn", "usage": "derived"}, "public.users.ssn")
	not sqllib.touches({"table": users, "column": "name", "usage": "output"}, "public.users.ssn")
	not sqllib.touches({"table": {"schema": null, "name": "orders"}, "column": "*", "usage": "output"}, "public.users.ssn")
}

test_function_name_drops_the_schema if {
	sqllib.function_name("pg_catalog.set_config") == "set_config"
	sqllib.function_name("set_config") == "set_config"
}

test_plain_explain_does_not_run if {
	sqllib.runs({"command": "DELETE"})
	sqllib.runs({"command": "EXPLAIN", "explain": {"analyze": true}})
	not sqllib.runs({"command": "EXPLAIN", "explain": {"analyze": false}})
}
