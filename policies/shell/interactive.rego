# An interactive shell (a pty) is decided as a whole, since what is typed into it cannot be decided
# line by line on the wire: never for identity kinds in settings.shell.interactive_denied_kinds
# (default ["service"]), an approval on prod, allowed elsewhere.
package portcullis.shell

import data.portcullis.lib.settings

deny contains reason if {
	input.action.interactive
	input.identity.kind in settings.shell_interactive_denied_kinds
	reason := sprintf("%s identities may not open an interactive shell: run commands instead", [input.identity.kind])
}

approval contains reason if {
	input.action.interactive
	needs_approval_here
	reason := sprintf("an interactive shell on %s (env %s) requires approval", [input.target.name, input.target.tags.env])
}
