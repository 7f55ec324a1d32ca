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

test_encoding_names_are_read_as_the_server_reads_them if {
	every name in {"S/JIS", "s.j.i.s", "SJIS ", "Shift-JIS", "win_950", "WINDOWS-936", "uhc!", "GB-18030", "Shift_JIS_2004"} {
		some reason in sql.deny with input as setting("client_encoding", name)
		contains(reason, "whose multibyte characters can hide quotes")
	}
}

test_encoding_names_resolve_to_the_server_s_canonical_name if {
	sql.canonical_encoding("S/JIS") == "SJIS"
	sql.canonical_encoding("win-950") == "BIG5"
	sql.canonical_encoding("ISO-8859-1") == "LATIN1"
	sql.canonical_encoding("Unicode") == "UTF8"
}

test_unknown_encoding_names_are_denied if {
	every name in {"cp932", "utf-9", "", "sjis-but-longer-than-the-server-ever-reads-an-encoding-name-xxxxx"} {
		some reason in sql.deny with input as setting("client_encoding", name)
		contains(reason, "not an encoding name Portcullis knows")
	}
}

test_safe_encoding_spellings_are_fine if {
	every name in {"utf-8", "UTF_8", "Latin-1", "iso_8859_15", "WIN1252", "sql_ascii"} {
		count(sql.deny) == 0 with input as setting("client_encoding", name)
	}
}

test_non_ascii_letters_are_dropped_before_case_folding if {
	not sql.canonical_encoding("\u212aoi8")
	sql.canonical_encoding("k\u00e9oi8") == "KOI8R"
}
