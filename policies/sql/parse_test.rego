package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_text_that_does_not_parse_is_denied if {
	reasons := sql.deny with input as fx.request(fx.syntax_error, fx.dba, fx.staging)
	reasons == {`SQL does not parse: syntax error at or near "SELEC" (at character 0)`}
}

test_empty_text_is_not_denied if {
	count(sql.deny) == 0 with input as fx.request(fx.empty, fx.alice, fx.prod)
}
