package portcullis_test

import data.portcullis
import data.portcullis.test.fixtures as fx

# acting_for(person, agents) is person with the chain of agents acting for it (agent acting now last).
acting_for(person, agents) := object.union(person, {"actors": agents})

# pat may run dynamic SQL: a person who may read every column.
pat := {"subject": "pat", "issuer": "https://id.example.com", "groups": ["dba", "pii-readers"], "kind": "human", "claims": {}}

test_an_agent_for_a_reader_sees_masked_columns if {
	unmasked := portcullis.decision with input as fx.request(fx.select_email_alias, fx.reader, fx.staging)
	unmasked == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
	d := portcullis.decision with input as fx.request(fx.select_email_alias, acting_for(fx.reader, [fx.ci]), fx.staging)
	d.allow == true
	d.mask == [{"column": "public.users.email", "strategy": "redact"}]
	d.reasons == ["agent ci-deployer: column public.users.email is masked for you (redact)"]
}

test_what_the_person_may_not_do_no_agent_may_do_for_them if {
	d := portcullis.decision with input as fx.request(fx.read_file, acting_for(fx.alice, [fx.ci_reader]), fx.staging)
	d.allow == false
	some reason in d.reasons
	not startswith(reason, "agent ")
}

test_a_denial_of_any_agent_in_the_chain_denies_and_names_it if {
	allowed := portcullis.decision with input as fx.request(fx.do_block, pat, fx.staging)
	allowed.allow == true
	d := portcullis.decision with input as fx.request(fx.do_block, acting_for(pat, [fx.ci_reader, fx.ci]), fx.staging)
	d.allow == false
	d.reasons == [
		"agent ci-deployer: dynamic SQL could read columns masked for you: DO block runs procedural code",
		"agent ci-deployer: dynamic SQL is not allowed for service identities: DO block runs procedural code",
		"agent reporting-job: dynamic SQL is not allowed for service identities: DO block runs procedural code",
	]
}

test_every_agent_in_a_three_level_chain_is_asked if {
	third := {"subject": "sub-agent", "issuer": "https://agents.example.com", "groups": ["pii-readers"], "kind": "human", "claims": {}}
	allowed := portcullis.decision with input as fx.request(fx.copy_to_file, acting_for(pat, [fx.ci_reader, fx.ci_reader]), fx.staging)
	allowed.allow == true
	d := portcullis.decision with input as fx.request(fx.copy_to_file, acting_for(pat, [fx.ci_reader, fx.ci_reader, third]), fx.staging)
	d.allow == false
	every reason in d.reasons {
		startswith(reason, "agent sub-agent: ")
	}
}

test_an_agent_acting_for_a_person_gets_a_ticket_never_a_hold if {
	held := portcullis.decision with input as fx.request(fx.create_table, fx.alice, fx.prod)
	held.approval.mode == "hold"
	d := portcullis.decision with input as fx.request(fx.create_table, acting_for(fx.alice, [fx.ci]), fx.prod)
	d.allow == true
	d.approval.required == true
	d.approval.mode == "ticket"
	d.approval.approvers == ["group:dba"]
}

test_an_approved_delegated_request_runs if {
	d := portcullis.decision with input as fx.approved(fx.request(fx.create_table, acting_for(fx.alice, [fx.ci]), fx.prod))
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 6000}}
}

test_the_tightest_row_limit_of_the_chain_applies if {
	own := portcullis.decision with input as fx.request(fx.delete_bounded, fx.alice, fx.staging)
	own.max_rows_affected == 10000
	d := portcullis.decision with input as fx.request(fx.delete_bounded, acting_for(fx.alice, [fx.ci]), fx.staging)
	d.max_rows_affected == 1000
}

test_session_answers_are_intersected_too if {
	limits := portcullis.session_limits with input as {"identity": acting_for(fx.reader, [fx.ci]), "session": {"id": "s", "protocol": "postgres"}, "target": fx.staging}
	limits == {"max_sessions": 10, "idle_timeout_seconds": 300}
	columns := portcullis.masked_columns with input as {"identity": acting_for(fx.reader, [fx.ci]), "session": {"id": "s", "protocol": "postgres"}, "target": fx.staging}
	count(columns) == 2
	own := portcullis.masked_columns with input as {"identity": fx.reader, "session": {"id": "s", "protocol": "postgres"}, "target": fx.staging}
	own == []
}

test_a_person_acting_through_an_agent_gets_the_agent_row_limits if {
	own := portcullis.decision with input as fx.request(fx.select_star, fx.alice, fx.staging)
	own.limits == {"requests_per_minute": 600000}
	d := portcullis.decision with input as fx.request(fx.select_star, acting_for(fx.alice, [fx.ci]), fx.staging)
	d.limits == {
		"requests_per_minute": 6000,
		"rows_per_statement": 1000,
		"rows_per_window": {"limit": 10000, "seconds": 3600, "name": "masked-tables"},
	}
}

test_a_chain_gets_each_budget_at_its_lowest if {
	d := portcullis.decision with input as fx.request(fx.select_star, acting_for(fx.alice, [fx.ci]), fx.staging)
		with data.settings.reads.rows_per_statement as {"human": 50, "service": 1000}
		with data.settings.reads.rows_per_hour as {"human": 20000, "service": 10000}
	d.limits.rows_per_statement == 50
	d.limits.rows_per_window.limit == 10000
}
