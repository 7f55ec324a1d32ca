package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_delete_without_where_is_denied if {
	reasons := sql.deny with input as fx.request(fx.delete_all, fx.dba, fx.staging)
	reasons == {"DELETE without WHERE on orders"}
}

test_update_without_where_names_the_schema if {
	"UPDATE without WHERE on public.orders" in sql.deny with input as fx.request(fx.update_all_qualified, fx.dba, fx.staging)
}

test_where_that_does_not_depend_on_the_row_is_unbounded if {
	"DELETE without WHERE on orders" in sql.deny with input as fx.request(fx.delete_where_true, fx.dba, fx.staging)
}

test_bounded_delete_is_not_denied if {
	count(sql.deny) == 0 with input as fx.request(fx.delete_bounded, fx.alice, fx.prod)
}

test_unbounded_write_inside_a_cte_is_denied if {
	"UPDATE without WHERE on orders" in sql.deny with input as fx.request(fx.cte_update_all, fx.dba, fx.staging)
}

test_plain_explain_does_not_run_the_delete if {
	count(sql.deny) == 0 with input as fx.request(fx.explain_delete_all, fx.alice, fx.prod)
}

test_explain_analyze_runs_the_delete if {
	"DELETE without WHERE on orders" in sql.deny with input as fx.request(fx.explain_analyze_delete_all, fx.dba, fx.staging)
}

test_preparing_an_unbounded_delete_is_denied if {
	"DELETE without WHERE on orders" in sql.deny with input as fx.request(fx.prepare_delete_all, fx.dba, fx.staging)
}

test_one_unbounded_statement_denies_the_whole_text if {
	reasons := sql.deny with input as fx.request(fx.select_then_delete_all, fx.dba, fx.staging)
	reasons == {"DELETE without WHERE on orders"}
}
