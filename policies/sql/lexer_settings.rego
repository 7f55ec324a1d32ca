# Portcullis reads SQL with PostgreSQL's own parser as PostgreSQL reads it by default. Two session
# settings would make the server read the same bytes differently, so a statement the policy saw as
# harmless could run as another:
#   - standard_conforming_strings = off turns backslashes in '…' into escapes
#     ('x\' , $$' ; DELETE …) and can hide a whole statement inside what looked like a string;
#   - client encodings whose multibyte characters may end in a backslash or quote byte
#     (SJIS, BIG5, GBK, UHC, GB18030, JOHAB) shift where a string literal ends.
# Both are denied; RESET and the safe values are fine.
package portcullis.sql

unsafe_client_encodings := {"sjis", "shift_jis", "big5", "gbk", "uhc", "gb18030", "johab", "cp932", "cp936", "cp949", "cp950", "windows932", "windows936", "windows949", "windows950"}

deny contains "SET standard_conforming_strings = off is not allowed: it changes how Portcullis and the server read string literals" if {
	some statement in input.action.statements
	statement.command == "SET"
	statement.setting.name == "standard_conforming_strings"
	not lower(statement.setting.value) in {"on", "true", "1", "yes"}
}

deny contains reason if {
	some statement in input.action.statements
	statement.command == "SET"
	statement.setting.name == "client_encoding"
	encoding := lower(replace(replace(statement.setting.value, "-", ""), " ", ""))
	encoding in unsafe_client_encodings
	reason := sprintf("client encoding %s is not allowed: its multibyte characters can hide quotes from the SQL parser", [statement.setting.value])
}
