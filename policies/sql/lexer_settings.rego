# Portcullis reads SQL with PostgreSQL's own parser as PostgreSQL reads it by default. Two session
# settings would make the server read the same bytes differently, so a statement the policy saw as
# harmless could run as another:
#   - standard_conforming_strings = off turns backslashes in '…' into escapes
#     ('x\' , $$' ; DELETE …) and can hide a whole statement inside what looked like a string;
#   - client encodings whose multibyte characters may end in a backslash or quote byte
#     (SJIS, BIG5, GBK, UHC, GB18030, JOHAB) shift where a string literal ends.
# Both are denied; RESET and the safe values are fine.
package portcullis.sql

deny contains "SET standard_conforming_strings = off is not allowed: it changes how Portcullis and the server read string literals" if {
	some statement in input.action.statements
	statement.command == "SET"
	statement.setting.name == "standard_conforming_strings"
	not lower(statement.setting.value) in {"on", "true", "1", "yes"}
}

# Names are read as the server reads them (encodings.rego): "S/JIS" is SJIS.
deny contains reason if {
	some statement in input.action.statements
	statement.command == "SET"
	statement.setting.name == "client_encoding"
	encoding := canonical_encoding(statement.setting.value)
	encoding in client_only_encodings
	reason := sprintf("client encoding %s is not allowed: it is %s, whose multibyte characters can hide quotes from the SQL parser", [statement.setting.value, encoding])
}

# A name the gateway cannot resolve is refused: the server either refuses it too, or (knowing an alias
# the gateway does not) would read the next statements in an encoding nobody decided on.
deny contains reason if {
	some statement in input.action.statements
	statement.command == "SET"
	statement.setting.name == "client_encoding"
	not canonical_encoding(statement.setting.value)
	reason := sprintf("client encoding %s is not allowed: it is not an encoding name Portcullis knows", [statement.setting.value])
}

# pg_settings is a view whose UPDATE runs set_config(): the same settings by another door.
deny contains "writing pg_settings is not allowed: it changes session settings the gateway must see as SET" if {
	some statement in input.action.statements
	some table in statement.tables
	table.name == "pg_settings"
	table.access != "read"
}
