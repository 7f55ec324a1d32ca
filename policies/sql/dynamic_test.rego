package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_do_block_is_denied_for_services if {
	reasons := sql.deny with input as fx.request(fx.do_block, fx.ci_reader, fx.staging)
	reasons == {"dynamic SQL is not allowed for service identities: DO block runs procedural code"}
}

test_dynamic_sql_function_is_denied_for_services if {
	"dynamic SQL is not allowed for service identities: function query_to_xml runs SQL text" in sql.deny with input as fx.request(fx.query_to_xml, fx.ci_reader, fx.staging)
}

test_dynamic_sql_is_allowed_for_people_who_see_every_column if {
	count(sql.deny) == 0 with input as fx.request(fx.do_block, fx.reader, fx.prod)
}

test_dynamic_sql_without_a_stated_reason_still_has_one if {
	statement := object.union(fx.select_one.statements[0], {"dynamic_sql": true})
	action := {"kind": "sql", "statements": [statement]}
	reasons := sql.deny with input as fx.request(action, fx.ci_reader, fx.staging)
	reasons == {"dynamic SQL is not allowed for service identities: statement runs SQL text the gateway cannot see"}
}

test_denied_kinds_come_from_settings if {
	count(sql.deny) == 0 with input as fx.request(fx.do_block, fx.ci_reader, fx.staging)
		with data.settings.dynamic_sql.denied_kinds as []
}
