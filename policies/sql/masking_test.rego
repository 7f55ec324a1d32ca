package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

email := {"column": "public.users.email", "strategy": "redact"}

ssn := {"column": "public.users.ssn", "strategy": "partial", "keep": 4}

derived_ssn := "column public.users.ssn is masked for you and cannot be used in expressions, copies or set operations"

derived_email := "column public.users.email is masked for you and cannot be used in expressions, copies or set operations"

test_select_star_masks_every_sensitive_column_of_the_table if {
	masks := sql.mask with input as fx.request(fx.select_star, fx.alice, fx.prod)
	masks == {email, ssn}
}

test_aliased_qualified_column_is_masked if {
	masks := sql.mask with input as fx.request(fx.select_email_alias, fx.alice, fx.prod)
	masks == {email}
}

test_readers_see_columns_in_clear if {
	count(sql.mask) == 0 with input as fx.request(fx.select_star, fx.reader, fx.prod)
}

test_columns_that_are_not_sensitive_are_not_masked if {
	count(sql.mask) == 0 with input as fx.request(fx.select_name, fx.alice, fx.prod)
}

test_same_table_in_another_schema_is_not_masked if {
	count(sql.mask) == 0 with input as fx.request(fx.select_archive, fx.alice, fx.prod)
}

test_wildcard_schema_masks_every_schema if {
	masks := sql.mask with input as fx.request(fx.select_archive, fx.alice, fx.prod)
		with data.settings.masking.columns as [{"column": "*.users.ssn", "strategy": "null"}]
	masks == {{"column": "*.users.ssn", "strategy": "null"}}
}

test_filtering_on_a_sensitive_column_is_not_masked if {
	count(sql.mask) == 0 with input as fx.request(fx.select_filter_ssn, fx.alice, fx.prod)
	count(sql.deny) == 0 with input as fx.request(fx.select_filter_ssn, fx.alice, fx.prod)
}

test_expression_on_a_sensitive_column_is_denied if {
	reasons := sql.deny with input as fx.request(fx.select_upper_ssn, fx.alice, fx.prod)
	reasons == {derived_ssn}
}

test_expression_is_allowed_for_readers if {
	count(sql.deny) == 0 with input as fx.request(fx.select_upper_ssn, fx.reader, fx.prod)
}

test_whole_row_value_is_denied if {
	reasons := sql.deny with input as fx.request(fx.select_row_to_json, fx.alice, fx.prod)
	reasons == {derived_email, derived_ssn}
}

test_copy_of_a_table_holding_sensitive_columns_is_denied if {
	reasons := sql.deny with input as fx.request(fx.copy_users_stdout, fx.alice, fx.prod)
	reasons == {derived_email, derived_ssn}
}

test_plain_explain_returns_no_rows if {
	count(sql.deny) == 0 with input as fx.request(fx.explain_upper_ssn, fx.alice, fx.prod)
}

test_untraceable_result_column_with_a_sensitive_name_is_denied if {
	reasons := sql.deny with input as fx.request(fx.select_from_function, fx.alice, fx.prod)
	reasons == {"column ssn cannot be traced to a table and may be public.users.ssn, which is masked for you"}
	count(sql.mask) == 0 with input as fx.request(fx.select_from_function, fx.alice, fx.prod)
}

test_execute_masks_every_sensitive_column if {
	masks := sql.mask with input as fx.request(fx.execute, fx.alice, fx.prod)
	masks == {email, ssn}
}

test_fetch_masks_every_sensitive_column if {
	masks := sql.mask with input as fx.request(fx.fetch, fx.ci, fx.staging)
	masks == {email, ssn}
}

test_fetch_is_not_masked_for_readers if {
	count(sql.mask) == 0 with input as fx.request(fx.fetch, fx.reader, fx.staging)
}

test_dynamic_sql_is_denied_to_people_with_masked_columns if {
	reasons := sql.deny with input as fx.request(fx.query_to_xml, fx.alice, fx.staging)
	reasons == {"dynamic SQL could read columns masked for you: function query_to_xml runs SQL text"}
}

test_nothing_is_masked_without_sensitive_columns if {
	count(sql.mask) == 0 with input as fx.request(fx.execute, fx.alice, fx.prod)
		with data.settings.masking.columns as []
	count(sql.deny) == 0 with input as fx.request(fx.do_block, fx.alice, fx.prod)
		with data.settings.masking.columns as []
}

# SELECT histogram_bounds FROM pg_stats WHERE tablename = 'users'
select_pg_stats := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT histogram_bounds FROM pg_stats WHERE tablename = 'users'", "tables": [{"schema": null, "name": "pg_stats", "access": "read"}], "columns": [{"table": {"schema": null, "name": "pg_stats"}, "column": "tablename", "usage": "filter"}, {"table": {"schema": null, "name": "pg_stats"}, "column": "histogram_bounds", "usage": "output"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# ALTER TABLE users RENAME COLUMN email TO contact
rename_email := {"kind": "sql", "statements": [{"command": "ALTER RENAME", "category": "ddl", "text": "ALTER TABLE users RENAME COLUMN email TO contact", "tables": [{"schema": null, "name": "users", "access": "ddl"}], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# CREATE TRIGGER copy_row AFTER UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION copy_row()
trigger_on_users := {"kind": "sql", "statements": [{"command": "CREATE TRIGGER", "category": "ddl", "text": "CREATE TRIGGER copy_row AFTER UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION copy_row()", "tables": [{"schema": "public", "name": "users", "access": "ddl"}], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

test_planner_statistics_are_denied_to_masked_identities if {
	reasons := sql.deny with input as fx.request(select_pg_stats, fx.alice, fx.staging)
	reasons == {"pg_catalog.pg_stats holds sample values of columns masked for you"}
}

test_planner_statistics_are_allowed_to_readers if {
	count(sql.deny) == 0 with input as fx.request(select_pg_stats, fx.reader, fx.staging)
}

test_renaming_a_column_of_a_sensitive_table_is_denied if {
	reasons := sql.deny with input as fx.request(rename_email, fx.alice, fx.staging)
	reasons == {"users holds columns masked for you: ALTER RENAME on it is not allowed to you"}
}

test_a_trigger_on_a_sensitive_table_is_denied if {
	reasons := sql.deny with input as fx.request(trigger_on_users, fx.alice, fx.staging)
	reasons == {"public.users holds columns masked for you: CREATE TRIGGER on it is not allowed to you"}
}

test_readers_may_change_sensitive_tables if {
	count(sql.deny) == 0 with input as fx.request(rename_email, fx.reader, fx.staging)
	count(sql.deny) == 0 with input as fx.request(trigger_on_users, fx.reader, fx.staging)
}

test_a_trigger_on_another_schema_table_is_allowed if {
	count(sql.deny) == 0 with input as fx.request(trigger_on_users, fx.alice, fx.staging)
		with data.settings.masking.columns as [{"column": "archive.users.email", "strategy": "redact"}]
}

test_a_service_may_not_choose_rows_by_a_masked_column if {
	reasons := sql.deny with input as fx.request(fx.select_filter_ssn, fx.ci, fx.prod)
	reasons == {"column public.users.ssn is masked for you and cannot be used to choose, order, group or join rows"}
}

test_a_person_may_choose_rows_by_a_masked_column if {
	reasons := sql.deny with input as fx.request(fx.select_filter_ssn, fx.alice, fx.prod)
	count(reasons) == 0
}

test_inference_kinds_are_a_setting if {
	reasons := sql.deny with input as fx.request(fx.select_filter_ssn, fx.alice, fx.prod)
		with data.settings.masking.inference.denied_kinds as ["human", "service"]
	count(reasons) == 1
}

test_a_reader_service_may_choose_rows_by_a_sensitive_column if {
	reasons := sql.deny with input as fx.request(fx.select_filter_ssn, fx.ci_reader, fx.prod)
	count(reasons) == 0
}
