package portcullis.sql_test

import data.portcullis.sql

setting(name, value) := {"action": {"kind": "sql", "statements": [{"command": "SET", "setting": {"name": name, "value": value}}]}}

reset(name) := {"action": {"kind": "sql", "statements": [{"command": "RESET", "setting": {"name": name, "value": null}}]}}

test_standard_conforming_strings_off_is_denied if {
	some reason in sql.deny with input as setting("standard_conforming_strings", "off")
	contains(reason, "standard_conforming_strings = off is not allowed")
}

test_standard_conforming_strings_on_and_reset_are_fine if {
	count(sql.deny) == 0 with input as setting("standard_conforming_strings", "on")
	count(sql.deny) == 0 with input as reset("standard_conforming_strings")
}

test_unsafe_client_encoding_is_denied if {
	some reason in sql.deny with input as setting("client_encoding", "SJIS")
	contains(reason, "client encoding SJIS is not allowed")
	some other in sql.deny with input as setting("client_encoding", "GB18030")
	contains(other, "GB18030")
}

test_utf8_and_latin1_are_fine if {
	count(sql.deny) == 0 with input as setting("client_encoding", "UTF8")
	count(sql.deny) == 0 with input as setting("client_encoding", "LATIN1")
}

test_encoding_aliases_are_normalised_as_the_server_does if {
	some reason in sql.deny with input as setting("client_encoding", "WIN-950")
	contains(reason, "WIN-950")
	some other in sql.deny with input as setting("client_encoding", "Shift_JIS")
	contains(other, "Shift_JIS")
	some third in sql.deny with input as setting("client_encoding", "mskanji")
	contains(third, "mskanji")
}

test_writing_pg_settings_is_denied if {
	some reason in sql.deny with input as {"action": {"kind": "sql", "statements": [{"command": "UPDATE", "tables": [{"schema": null, "name": "pg_settings", "access": "write"}]}]}}
	contains(reason, "writing pg_settings is not allowed")
}

test_reading_pg_settings_is_fine if {
	count(sql.deny) == 0 with input as {"action": {"kind": "sql", "statements": [{"command": "SELECT", "tables": [{"schema": null, "name": "pg_settings", "access": "read"}]}]}}
}
