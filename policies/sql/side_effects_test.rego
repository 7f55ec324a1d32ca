package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

# SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL
notify_email_in_filter := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT id FROM users WHERE (SELECT pg_notify('x', email)) IS NULL", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "email", "usage": "derived"}, {"table": {"schema": null, "name": "users"}, "column": "email", "usage": "filter"}, {"table": {"schema": null, "name": "users"}, "column": "id", "usage": "output"}], "functions": ["pg_notify"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "side_effects": [{"function": "pg_notify", "kind": "notify"}]}]}

# SELECT pg_notify('x', id::text) FROM users WHERE email LIKE 'a%'
notify_rows_chosen_by_email := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT pg_notify('x', id::text) FROM users WHERE email LIKE 'a%'", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "email", "usage": "filter"}, {"table": {"schema": null, "name": "users"}, "column": "id", "usage": "derived"}], "functions": ["pg_notify"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "side_effects": [{"function": "pg_notify", "kind": "notify"}]}]}

# SELECT email FROM users WHERE id = nextval('s')
email_with_nextval := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT email FROM users WHERE id = nextval('s')", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "id", "usage": "filter"}, {"table": {"schema": null, "name": "users"}, "column": "email", "usage": "output"}], "functions": ["nextval"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "side_effects": [{"function": "nextval", "kind": "sequence"}]}]}

notify_reason := "function pg_notify writes beyond the statement (notify) and the statement uses column public.users.email, which is masked for you"

test_a_masked_value_fed_to_a_notification_is_denied if {
	notify_reason in sql.deny with input as fx.request(notify_email_in_filter, fx.alice, fx.prod)
}

test_rows_chosen_by_a_masked_value_are_not_broadcast if {
	notify_reason in sql.deny with input as fx.request(notify_rows_chosen_by_email, fx.alice, fx.prod)
}

test_readers_may_notify_what_they_read if {
	count(sql.deny) == 0 with input as fx.request(notify_email_in_filter, fx.reader, fx.prod)
}

test_a_side_effect_beside_a_masked_output_is_allowed_and_masked if {
	count(sql.deny) == 0 with input as fx.request(email_with_nextval, fx.alice, fx.prod)
	count(sql.mask) == 1 with input as fx.request(email_with_nextval, fx.alice, fx.prod)
}

test_plain_explain_runs_no_side_effect if {
	explained := {"kind": "sql", "statements": [object.union(notify_rows_chosen_by_email.statements[0], {"explain": {"analyze": false}})]}
	count(sql.deny) == 0 with input as fx.request(explained, fx.alice, fx.prod)
}
