package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_ddl_on_prod_needs_approval if {
	reasons := sql.approval with input as fx.request(fx.create_table, fx.alice, fx.prod)
	reasons == {"ddl statement CREATE TABLE on orders-prod (env prod) requires approval"}
}

test_dcl_on_prod_needs_approval if {
	reasons := sql.approval with input as fx.request(fx.grant, fx.ci, fx.prod)
	reasons == {"dcl statement GRANT on orders-prod (env prod) requires approval"}
}

test_truncate_on_prod_needs_approval_per_table if {
	reasons := sql.approval with input as fx.request(fx.truncate, fx.dba, fx.prod)
	reasons == {
		"TRUNCATE of public.orders on orders-prod (env prod) requires approval",
		"TRUNCATE of users on orders-prod (env prod) requires approval",
	}
}

test_ddl_on_staging_needs_no_approval if {
	count(sql.approval) == 0 with input as fx.request(fx.create_table, fx.alice, fx.staging)
}

test_ddl_on_a_target_without_env_needs_no_approval if {
	count(sql.approval) == 0 with input as fx.request(fx.truncate, fx.alice, fx.untagged)
}

test_queries_on_prod_need_no_approval if {
	count(sql.approval) == 0 with input as fx.request(fx.delete_bounded, fx.alice, fx.prod)
}

test_approved_request_needs_no_new_approval if {
	count(sql.approval) == 0 with input as fx.approved(fx.request(fx.create_table, fx.alice, fx.prod))
}

test_approval_environments_come_from_settings if {
	reasons := sql.approval with input as fx.request(fx.create_table, fx.alice, fx.staging)
		with data.settings.approvals.environments as ["staging", "prod"]
	count(reasons) == 1
}
