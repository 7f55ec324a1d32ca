# On targets whose tags.env is one of settings.approvals.environments (default ["prod"]),
# schema and privilege changes (categories "ddl" and "dcl") and TRUNCATE need a human approval.
# The approvers, the TTL and the mode (hold/ticket) are set in decision.rego from the same settings.
# When input.approval is present the request was already approved: no approval is asked again.
package portcullis.sql

import data.portcullis.lib.settings
import data.portcullis.lib.sql as sqllib

# approval contains one reason for each thing that needs an approval.
approval contains reason if {
	needs_approval_here
	some statement in input.action.statements
	statement.category in settings.approval_categories
	reason := sprintf(
		"%s statement %s on %s (env %s) requires approval",
		[statement.category, statement.command, input.target.name, input.target.tags.env],
	)
}

approval contains reason if {
	needs_approval_here
	some statement in input.action.statements
	some write in statement.writes
	write.command in settings.approval_write_commands
	reason := sprintf(
		"%s of %s on %s (env %s) requires approval",
		[write.command, sqllib.table_name(write.table), input.target.name, input.target.tags.env],
	)
}

needs_approval_here if {
	input.target.tags.env in settings.approval_environments
	not input.approval
}
