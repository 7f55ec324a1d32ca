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

# MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED THEN DELETE
merge_delete_all := {"kind": "sql", "statements": [{"command": "MERGE", "category": "dml", "text": "MERGE INTO orders o USING users u ON o.user_id = u.id WHEN MATCHED THEN DELETE", "tables": [{"schema": null, "name": "orders", "access": "write"}, {"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "orders"}, "column": "user_id", "usage": "filter"}, {"table": {"schema": null, "name": "users"}, "column": "id", "usage": "filter"}], "functions": [], "writes": [{"command": "MERGE", "table": {"schema": null, "name": "orders"}, "where_bounded": null}, {"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": false, "via": "MERGE"}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": []}]}

# INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x'
upsert_all := {"kind": "sql", "statements": [{"command": "INSERT", "category": "dml", "text": "INSERT INTO orders SELECT * FROM orders ON CONFLICT (id) DO UPDATE SET note = 'x'", "tables": [{"schema": null, "name": "orders", "access": "write"}, {"schema": null, "name": "orders", "access": "read"}], "columns": [{"table": {"schema": null, "name": "orders"}, "column": "*", "usage": "derived"}, {"table": {"schema": null, "name": "orders"}, "column": "note", "usage": "write"}], "functions": [], "writes": [{"command": "INSERT", "table": {"schema": null, "name": "orders"}, "where_bounded": null}, {"command": "UPDATE", "table": {"schema": null, "name": "orders"}, "where_bounded": false, "via": "INSERT ON CONFLICT"}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": []}]}

# MERGE INTO orders o USING (VALUES (1)) v(id) ON o.id = v.id WHEN MATCHED THEN DELETE
merge_delete_one := {"kind": "sql", "statements": [{"command": "MERGE", "category": "dml", "text": "MERGE INTO orders o USING (VALUES (1)) v(id) ON o.id = v.id WHEN MATCHED THEN DELETE", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [{"table": {"schema": null, "name": "orders"}, "column": "id", "usage": "filter"}], "functions": [], "writes": [{"command": "MERGE", "table": {"schema": null, "name": "orders"}, "where_bounded": null}, {"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": true, "via": "MERGE"}], "where_bounded": true, "dynamic_sql": false, "dynamic_reasons": []}]}

test_unbounded_merge_action_is_denied if {
	reasons := sql.deny with input as fx.request(merge_delete_all, fx.dba, fx.staging)
	reasons == {"DELETE by MERGE on orders without a condition on its own columns"}
}

test_upsert_from_a_whole_table_is_an_unbounded_update if {
	reasons := sql.deny with input as fx.request(upsert_all, fx.dba, fx.staging)
	reasons == {"UPDATE by INSERT ON CONFLICT on orders without a condition on its own columns"}
}

test_merge_bounded_by_literal_rows_is_allowed if {
	count(sql.deny) == 0 with input as fx.request(merge_delete_one, fx.dba, fx.staging)
}

test_explain_analyze_runs_the_merge if {
	explained := {"kind": "sql", "statements": [object.union(merge_delete_all.statements[0], {"explain": {"analyze": true}})]}
	"DELETE by MERGE on orders without a condition on its own columns" in sql.deny with input as fx.request(explained, fx.dba, fx.staging)
}

test_plain_explain_does_not_run_the_merge if {
	explained := {"kind": "sql", "statements": [object.union(merge_delete_all.statements[0], {"explain": {"analyze": false}})]}
	count(sql.deny) == 0 with input as fx.request(explained, fx.dba, fx.staging)
}
