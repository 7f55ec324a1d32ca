# Agents acting for a person (input.identity.actors: RFC 8693 delegation, the agent acting now
# last). A delegated request is decided for the person and for every agent in the chain, each as an
# identity of its own, and the answer is the intersection: denied when any of them would be denied
# (each reason says whose it is), masked wherever any of them would be masked, approved only when
# every approval any of them needs is given, with the tightest limit. An agent never waits at a hold:
# a delegated request that needs approval gets a ticket, and the agent retries once it is approved.
# The same holds for the per-session answers (masked_columns, session_limits).
package portcullis

delegated if count(object.get(input.identity, "actors", [])) > 0

# participants: the person (reasons unprefixed), then each agent (reasons prefixed with its name).
participants := array.concat(
	[{"who": "", "identity": object.remove(input.identity, ["actors"])}],
	[{"who": sprintf("agent %s: ", [actor.subject]), "identity": actor} | some actor in input.identity.actors],
)

# decisions: each participant's own decision for this request.
decisions := [{"who": p.who, "decision": d} |
	some p in participants
	d := own_decision with input.identity as p.identity
]

default decision := {"allow": false, "reasons": ["the policy reached no decision"]}

decision := own_decision if not delegated

decision := {"allow": false, "reasons": chain_reasons} if {
	delegated
	some d in decisions
	d.decision.allow == false
}

decision := object.union(object.union(object.union({"allow": true, "reasons": chain_reasons}, chain_approval), object.union(chain_mask, chain_limit)), chain_rate) if {
	delegated
	every d in decisions {
		d.decision.allow == true
	}
}

# chain_reasons: the person's reasons as they are, and an agent's prefixed unless the person has it too.
# When some participant is denied, only denials count.
chain_reasons := sort({reason |
	some d in counted_decisions
	some r in d.decision.reasons
	reason := attributed(d.who, r)
})

counted_decisions := [d | some d in decisions; d.decision.allow == false] if {
	some d in decisions
	d.decision.allow == false
} else := decisions

attributed(who, r) := r if {
	some d in decisions
	d.who == ""
	r in d.decision.reasons
} else := concat("", [who, r])

approvals := [d.decision.approval | some d in decisions; d.decision.approval.required]

chain_approval := {"approval": {
	"required": true,
	"approvers": sort({a | some approval in approvals; some a in approval.approvers}),
	"reason": concat("; ", sort({approval.reason | some approval in approvals})),
	"ttl_seconds": min([approval.ttl_seconds | some approval in approvals]),
	"mode": "ticket",
}} if {
	count(approvals) > 0
} else := {}

chain_mask := {"mask": [entry | some entry in {entry | some d in decisions; some entry in d.decision.mask}]} if {
	some d in decisions
	count(object.get(d.decision, "mask", [])) > 0
} else := {}

chain_limit := {"max_rows_affected": min(limits)} if {
	limits := [d.decision.max_rows_affected | some d in decisions; d.decision.max_rows_affected]
	count(limits) > 0
} else := {}

# chain_rate: every budget any participant has, at its lowest: counts at the least, and of window
# budgets the one allowing the fewest (the longer window when two allow as few).
chain_rate := {"limits": object.union(chain_counts, chain_windows)} if {
	some d in decisions
	count(object.get(d.decision, "limits", {})) > 0
} else := {}

chain_counts := {name: min(values) |
	some name in {"requests_per_minute", "rows_per_statement"}
	values := [v | some d in decisions; v := d.decision.limits[name]]
	count(values) > 0
}

chain_windows := {name: ranked[0][2] |
	some name in {"rows_per_window", "bytes_per_window", "commands_per_window"}
	ranked := sort([[w.limit, 0 - w.seconds, w] | some d in decisions; w := d.decision.limits[name]])
	count(ranked) > 0
}

# masked_columns: every column masked for any participant.
masked_columns := own_masked_columns if not delegated

masked_columns := [entry | some entry in {entry |
	some p in participants
	some entry in own_masked_columns with input.identity as p.identity
}] if delegated

# session_limits: each limit at its lowest over the participants, and the database role chosen for
# the whole chain (decision.rego: an agent acting for a person gets the delegated role).
session_limits := object.union(own_session_limits, database_role_choice) if not delegated

session_limits := object.union(delegated_session_limits, database_role_choice) if delegated

delegated_session_limits := {name: min(values) |
	some name in {"max_sessions", "idle_timeout_seconds"}
	values := [limit |
		some p in participants
		limits := own_session_limits with input.identity as p.identity
		limit := limits[name]
	]
	count(values) > 0
}
