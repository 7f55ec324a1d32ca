package portcullis.lib.identity_test

import data.portcullis.lib.identity

test_in_any_group if {
	identity.in_any_group(["dba", "pii-readers"]) with input.identity.groups as ["developers", "dba"]
	not identity.in_any_group(["dba"]) with input.identity.groups as ["developers"]
	not identity.in_any_group([]) with input.identity.groups as ["developers"]
}
