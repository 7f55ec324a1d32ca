# What runs cannot always be told from the text (a variable or substitution in command position,
# eval, source, an interpreter given code, code piped into a shell). Identity kinds in
# settings.shell.dynamic_denied_kinds (default ["service"]) may not run such commands.
package portcullis.shell

import data.portcullis.lib.settings

deny contains reason if {
	input.action.dynamic
	not input.action.parse_error
	input.identity.kind in settings.shell_dynamic_denied_kinds
	reason := sprintf("what this command runs cannot be known from its text (%s), and %s identities may only run commands the gateway can read", [concat("; ", input.action.dynamic_reasons), input.identity.kind])
}
