# A command line that does not parse is denied: the gateway cannot tell what it would run.
package portcullis.shell

deny contains reason if {
	error := input.action.parse_error
	reason := sprintf("the command does not parse: %s (at character %d)", [error.message, error.position])
}
