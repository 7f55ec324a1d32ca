# The single entrypoint of the default policy: portcullis/decision (schemas/decision.json).
#
# Each action kind has its rule set (package portcullis.sql for SQL, portcullis.shell for shell
# commands, portcullis.file for SFTP file operations, portcullis.kubernetes for Kubernetes API
# requests) made of partial sets:
#   deny     reasons to refuse the request;
#   approval reasons the request needs a human approval first;
#   mask     columns to mask in the response ({"column", "strategy", "keep"?}).
# Precedence: deny > approval > mask > allow. The decision is always defined.
package portcullis

import data.portcullis.file
import data.portcullis.kubernetes
import data.portcullis.lib.settings
import data.portcullis.lib.sql as sqllib
import data.portcullis.shell
import data.portcullis.sql

# Action kinds this policy has rules for. Any other kind is denied.
known_kinds := {"sql", "shell", "file", "kubernetes"}

known_kind if action_kind in known_kinds

default action_kind := "(none)"

action_kind := input.action.kind

deny contains reason if {
	input.action.kind == "sql"
	some reason in sql.deny
}

deny contains reason if {
	input.action.kind == "shell"
	some reason in shell.deny
}

deny contains reason if {
	input.action.kind == "file"
	some reason in file.deny
}

deny contains reason if {
	input.action.kind == "kubernetes"
	some reason in kubernetes.deny
}

deny contains reason if {
	not known_kind
	reason := sprintf("no policy for action kind %v", [action_kind])
}

approval_reasons contains reason if {
	input.action.kind == "sql"
	some reason in sql.approval
}

approval_reasons contains reason if {
	input.action.kind == "shell"
	some reason in shell.approval
}

approval_reasons contains reason if {
	input.action.kind == "file"
	some reason in file.approval
}

approval_reasons contains reason if {
	input.action.kind == "kubernetes"
	some reason in kubernetes.approval
}

masks contains entry if {
	input.action.kind == "sql"
	some entry in sql.mask
}

masks contains entry if {
	input.action.kind == "kubernetes"
	some entry in kubernetes.mask
}

# effect applies the precedence: deny > approval > mask > allow.
effect := "deny" if {
	count(deny) > 0
} else := "approval" if {
	count(approval_reasons) > 0
} else := "mask" if {
	count(masks) > 0
} else := "allow"

# own_decision is the decision for input.identity on its own, ignoring any agents acting for it;
# decision (delegation.rego) is own_decision, or with agents the intersection of theirs.
# One decision per effect. Should a value ever be undefined, no rule applies and the default
# denies: the policy fails closed rather than falling through to a weaker effect.
default own_decision := {"allow": false, "reasons": ["the policy reached no decision"]}

own_decision := {"allow": false, "reasons": sort(deny)} if effect == "deny"

own_decision := with_rate(with_limit(with_mask({"allow": true, "reasons": sort(approval_reasons), "approval": approval}))) if {
	effect == "approval"
}

own_decision := with_rate(with_limit(with_mask({"allow": true, "reasons": mask_reasons}))) if effect == "mask"

own_decision := with_rate(with_limit({"allow": true, "reasons": []})) if effect == "allow"

# with_rate(result) adds the budgets for the identity's kind: the request-rate ceiling
# (settings.rates), refused over it with the time until the minute's budget resets; and, on a
# statement reading a table that holds masked columns, the row limits (settings.reads): a result over
# the per-statement limit is cut there with an error, and once the hour's rows are spent such
# statements are refused until it resets. Over SSH and Kubernetes, the output bytes per hour
# (settings.shell.output_bytes_per_hour, settings.kubernetes.response_bytes_per_hour): output is cut
# where the hour's bytes end, and requests are refused until it resets.
with_rate(result) := object.union(result, {"limits": own_limits}) if {
	count(own_limits) > 0
} else := result

own_limits := object.union(object.union(rate_limit, read_limits), output_limit)

rate_limit := {"requests_per_minute": n} if {
	n := settings.requests_per_minute[input.identity.kind]
} else := {}

read_limits := object.union(rows_per_statement, rows_per_hour) if {
	sql.reads_sensitive_table
} else := {}

rows_per_statement := {"rows_per_statement": n} if {
	n := settings.read_rows_per_statement[input.identity.kind]
} else := {}

# One budget for every table holding masked columns: reading them in turn spends the same hour.
rows_per_hour := {"rows_per_window": {"limit": n, "seconds": 3600, "name": "masked-tables"}} if {
	n := settings.read_rows_per_hour[input.identity.kind]
} else := {}

# One budget per protocol for everything a caller receives over it in the hour.
output_limit := {"bytes_per_window": {"limit": n, "seconds": 3600, "name": "ssh-output"}} if {
	input.action.kind in {"shell", "file"}
	n := settings.shell_output_bytes_per_hour[input.identity.kind]
} else := {"bytes_per_window": {"limit": n, "seconds": 3600, "name": "kubernetes-responses"}} if {
	input.action.kind == "kubernetes"
	n := settings.kubernetes_response_bytes_per_hour[input.identity.kind]
} else := {}

# approval is what the engine needs to hold the request (settings.approvals in lib/settings.rego).
# People wait for the approval (hold); services get a ticket and retry once it is approved.
approval := {
	"required": true,
	"approvers": settings.approvers,
	"reason": concat("; ", sort(approval_reasons)),
	"ttl_seconds": settings.approval_ttl_seconds,
	"mode": object.get(settings.approval_modes, input.identity.kind, "hold"),
}

# with_mask(result) adds the mask list, if any, to a decision: an approved request is still masked.
with_mask(result) := object.union(result, {"mask": [entry | some entry in masks]}) if {
	count(masks) > 0
} else := result

# with_limit(result) adds the blast-radius limit (settings.writes.max_rows_affected, by identity kind)
# to a decision that changes existing rows: the gateway rolls back a statement that changes more.
with_limit(result) := object.union(result, {"max_rows_affected": limit}) if {
	some statement in input.action.statements
	sqllib.runs(statement)
	some write in statement.writes
	sql.changes_existing_rows(write)
	limit := settings.max_rows_affected[input.identity.kind]
} else := result

mask_reasons := [reason |
	some entry in masks
	reason := mask_reason(entry)
]

mask_reason(entry) := sprintf("column %s is masked for you (%s)", [entry.column, entry.strategy]) if {
	entry.column
} else := sprintf("%s is masked for you (%s)", [entry.json_path, entry.strategy])

# masked_columns answers, once per session, which columns are masked for the caller (input: identity,
# session, target; no action). The gateway needs it where it cannot trace a value to its column: a
# view, a function defined in the database, the server's error messages. A policy without this rule
# still builds, and the gateway then treats every column as masked in those places (fail closed).
own_masked_columns := [sql.mask_entry(sensitive) |
	sql.masked_for_caller
	some sensitive in settings.masking_columns
]

# session_limits answers, at each login, the caller's session limits on the target (input: identity,
# session, target; no action), by identity kind (settings.sessions). Each lowers the gateway's
# configured limit; a kind with no entry keeps the configured ones.
own_session_limits := object.union(max_sessions_limit, idle_timeout_limit)

max_sessions_limit := {"max_sessions": n} if {
	n := settings.sessions_max_per_identity[input.identity.kind]
} else := {}

# The group role a per-session database role joins (settings.sessions.database_roles): an agent acting
# for a person gets the delegated role whatever the person's groups; otherwise the first rule whose
# group the caller is in, else the default; none configured leaves the target's first group role.
database_role_choice := {"database_role": role} if {
	role := chosen_database_role
} else := {}

chosen_database_role := settings.database_roles.delegated if {
	count(object.get(input.identity, "actors", [])) > 0
} else := role if {
	roles := [rule.role | some rule in object.get(settings.database_roles, "rules", []); rule.group in input.identity.groups]
	role := roles[0]
} else := settings.database_roles["default"]

idle_timeout_limit := {"idle_timeout_seconds": s} if {
	s := settings.sessions_idle_timeout_seconds[input.identity.kind]
} else := {}
