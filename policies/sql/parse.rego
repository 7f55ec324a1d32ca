# Text that does not parse is denied: the gateway cannot tell what it would do.
package portcullis.sql

deny contains reason if {
	error := input.action.parse_error
	reason := sprintf("SQL does not parse: %s (at character %d)", [error.message, error.position])
}
