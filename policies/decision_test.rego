package portcullis_test

import data.portcullis
import data.portcullis.test.fixtures as fx

test_plain_query_is_allowed if {
	d := portcullis.decision with input as fx.request(fx.select_one, fx.alice, fx.prod)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_empty_text_is_allowed if {
	d := portcullis.decision with input as fx.request(fx.empty, fx.ci, fx.prod)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 6000}}
}

test_deny_lists_every_reason if {
	d := portcullis.decision with input as fx.request(fx.copy_users_stdout, fx.alice, fx.prod)
	d.allow == false
	count(d.reasons) == 2
	not d.mask
	not d.approval
}

test_unknown_action_kind_is_denied if {
	d := portcullis.decision with input as fx.request({"kind": "ftp"}, fx.dba, fx.prod)
	d == {"allow": false, "reasons": ["no policy for action kind ftp"]}
}

test_missing_action_kind_is_denied if {
	d := portcullis.decision with input as fx.request({}, fx.dba, fx.prod)
	d == {"allow": false, "reasons": ["no policy for action kind (none)"]}
}

test_approval_for_a_person_holds if {
	d := portcullis.decision with input as fx.request(fx.create_table, fx.alice, fx.prod)
	reason := "ddl statement CREATE TABLE on orders-prod (env prod) requires approval"
	d == {
		"allow": true,
		"reasons": [reason],
		"approval": {"required": true, "approvers": ["group:dba"], "reason": reason, "ttl_seconds": 900, "mode": "hold"},
		"limits": {"requests_per_minute": 600000},
	}
}

test_approval_for_a_service_is_a_ticket if {
	d := portcullis.decision with input as fx.request(fx.truncate, fx.ci, fx.prod)
	d.approval.mode == "ticket"
	d.approval.reason == concat("; ", [
		"TRUNCATE of public.orders on orders-prod (env prod) requires approval",
		"TRUNCATE of users on orders-prod (env prod) requires approval",
	])
}

test_approved_request_is_allowed if {
	d := portcullis.decision with input as fx.approved(fx.request(fx.create_table, fx.alice, fx.prod))
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_deny_wins_over_approval if {
	action := {"kind": "sql", "statements": array.concat(fx.create_table.statements, fx.delete_all.statements)}
	d := portcullis.decision with input as fx.request(action, fx.alice, fx.prod)
	d == {"allow": false, "reasons": ["DELETE without WHERE on orders"]}
}

test_approval_keeps_the_mask if {
	action := {"kind": "sql", "statements": array.concat(fx.create_table.statements, fx.select_email_alias.statements)}
	d := portcullis.decision with input as fx.request(action, fx.alice, fx.prod)
	d.approval.required == true
	d.mask == [{"column": "public.users.email", "strategy": "redact"}]
}

test_mask_lists_columns_and_reasons if {
	d := portcullis.decision with input as fx.request(fx.select_star, fx.alice, fx.prod)
	d == {
		"allow": true,
		"reasons": [
			"column public.users.email is masked for you (redact)",
			"column public.users.ssn is masked for you (partial)",
		],
		"mask": [
			{"column": "public.users.email", "strategy": "redact"},
			{"column": "public.users.ssn", "strategy": "partial", "keep": 4},
		],
		"limits": {"requests_per_minute": 600000},
	}
}

test_reader_is_not_masked if {
	d := portcullis.decision with input as fx.request(fx.select_star, fx.reader, fx.prod)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_decision_is_never_undefined if {
	d := portcullis.decision with input as {}
	d.allow == false
}

# A broken approval (here: concat yields nothing) must deny, not fall through to allow.
test_an_undefined_approval_fails_closed if {
	d := portcullis.decision with input as fx.request(fx.create_table, fx.alice, fx.prod)
		with concat as undefined_concat
	d == {"allow": false, "reasons": ["the policy reached no decision"]}
}

undefined_concat(_, _) := "" if false

test_masked_columns_for_a_caller_outside_the_readers if {
	cols := portcullis.masked_columns with input as {"identity": fx.alice, "session": {}, "target": fx.prod}
	cols == [
		{"column": "public.users.email", "strategy": "redact"},
		{"column": "public.users.ssn", "strategy": "partial", "keep": 4},
	]
}

test_no_masked_columns_for_a_reader if {
	cols := portcullis.masked_columns with input as {"identity": fx.reader, "session": {}, "target": fx.prod}
	cols == []
}

test_a_change_of_existing_rows_carries_the_row_limit_of_the_identity_kind if {
	d := portcullis.decision with input as fx.request(fx.delete_bounded, fx.ci, fx.prod)
	d == {"allow": true, "reasons": [], "max_rows_affected": 1000, "limits": {"requests_per_minute": 6000}}
	h := portcullis.decision with input as fx.request(fx.delete_bounded, fx.alice, fx.prod)
	h.max_rows_affected == 10000
}

test_a_read_carries_no_row_limit if {
	d := portcullis.decision with input as fx.request(fx.select_one, fx.ci, fx.prod)
	not d.max_rows_affected
}

test_no_row_limit_for_a_kind_without_one if {
	d := portcullis.decision with input as fx.request(fx.delete_bounded, fx.ci, fx.prod)
		with data.settings.writes.max_rows_affected as {"human": 5}
	not d.max_rows_affected
}

test_session_limits_by_identity_kind if {
	s := portcullis.session_limits with input as {"identity": fx.ci, "session": {}, "target": fx.prod}
	s == {"max_sessions": 10, "idle_timeout_seconds": 300}
	h := portcullis.session_limits with input as {"identity": fx.alice, "session": {}, "target": fx.prod}
	h == {}
}

test_session_limits_follow_the_settings if {
	s := portcullis.session_limits with input as {"identity": fx.alice, "session": {}, "target": fx.prod}
		with data.settings.sessions as {"max_per_identity": {"human": 3}}
	s == {"max_sessions": 3}
}

test_database_role_by_group_then_default_and_delegated if {
	roles := {"rules": [{"group": "dba", "role": "db_admin"}, {"group": "engineering", "role": "db_writer"}], "default": "db_reader", "delegated": "db_agent"}
	caller := {"session": {}, "target": {"name": "demo", "type": "postgres", "tags": {}}}
	dba := object.union(caller, {"identity": {"subject": "dana", "issuer": "i", "groups": ["engineering", "dba"], "kind": "human", "claims": {}}})
	s1 := portcullis.session_limits with input as dba with data.settings.sessions.database_roles as roles
	s1.database_role == "db_admin"
	other := object.union(caller, {"identity": {"subject": "x", "issuer": "i", "groups": ["sales"], "kind": "human", "claims": {}}})
	s2 := portcullis.session_limits with input as other with data.settings.sessions.database_roles as roles
	s2.database_role == "db_reader"
	agent := object.union(dba, {"identity": object.union(dba.identity, {"actors": [{"subject": "review-agent", "issuer": "i", "kind": "service", "claims": {}}]})})
	s3 := portcullis.session_limits with input as agent with data.settings.sessions.database_roles as roles
	s3.database_role == "db_agent"
	s4 := portcullis.session_limits with input as dba with data.settings.sessions.database_roles as {}
	not s4.database_role
}

test_a_service_reading_a_table_with_masked_columns_gets_row_limits if {
	d := portcullis.decision with input as fx.request(fx.select_star, fx.ci, fx.prod)
	d.limits == {
		"requests_per_minute": 6000,
		"rows_per_statement": 1000,
		"rows_per_window": {"limit": 10000, "seconds": 3600, "name": "masked-tables"},
	}
}

test_a_person_reading_a_table_with_masked_columns_gets_only_the_rate_ceiling if {
	d := portcullis.decision with input as fx.request(fx.select_star, fx.alice, fx.prod)
	d.limits == {"requests_per_minute": 600000}
}

test_a_service_reading_other_tables_gets_no_row_limits if {
	d := portcullis.decision with input as fx.request(fx.select_one, fx.ci, fx.prod)
	d.limits == {"requests_per_minute": 6000}
}
