package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_set_role_is_denied if {
	reasons := sql.deny with input as fx.request(fx.set_role, fx.dba, fx.staging)
	reasons == {"SET ROLE is not allowed: it changes the database role the gateway connected as"}
}

test_set_session_authorization_is_denied if {
	reasons := sql.deny with input as fx.request(fx.set_session_authorization, fx.dba, fx.staging)
	reasons == {"SET SESSION AUTHORIZATION is not allowed: it changes the database role the gateway connected as"}
}

test_reset_role_is_allowed if {
	count(sql.deny) == 0 with input as fx.request(fx.reset_role, fx.alice, fx.prod)
}

test_set_role_none_is_a_reset if {
	count(sql.deny) == 0 with input as fx.request(fx.set_role_none, fx.alice, fx.prod)
}

test_set_config_is_denied if {
	reasons := sql.deny with input as fx.request(fx.set_config, fx.dba, fx.staging)
	reasons == {"function pg_catalog.set_config can change the database role and is not allowed; use SET instead"}
}

test_other_settings_are_allowed if {
	count(sql.deny) == 0 with input as fx.request(fx.set_search_path, fx.ci, fx.prod)
}
