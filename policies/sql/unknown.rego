# Statements the SQL normalizer does not recognise (category "other", e.g. ALTER SYSTEM) are
# denied: Portcullis does not know what they touch, so it fails closed.
package portcullis.sql

deny contains reason if {
	some statement in input.action.statements
	statement.category == "other"
	reason := sprintf("%s is a statement Portcullis does not know and is not allowed", [statement.command])
}
