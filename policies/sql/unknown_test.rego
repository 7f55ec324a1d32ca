package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_unknown_statement_is_denied if {
	reasons := sql.deny with input as fx.request(fx.alter_system, fx.dba, fx.staging)
	reasons == {"ALTER SYSTEM is a statement Portcullis does not know and is not allowed"}
}

test_known_statement_is_not_denied if {
	count(sql.deny) == 0 with input as fx.request(fx.begin, fx.alice, fx.prod)
}
