package portcullis.file_test

import data.portcullis
import data.portcullis.test.fixtures as fx

web_prod := {"name": "web-1", "type": "ssh", "tags": {"env": "prod"}}

web_dev := {"name": "web-2", "type": "ssh", "tags": {"env": "dev"}}

admin := {"subject": "sam", "issuer": "https://id.example.com", "groups": ["sre"], "kind": "human", "claims": {}}

file_request(action, identity, target) := object.union(fx.request(action, identity, target), {"session": {"id": "session-1", "protocol": "ssh"}})

op(operation, path, resolved) := {"kind": "file", "operation": operation, "path": path, "resolved": resolved}

test_reads_and_writes_of_ordinary_files_are_allowed if {
	d1 := portcullis.decision with input as file_request(op("read", "notes.txt", "/home/alice/notes.txt"), fx.alice, web_prod)
	d1 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
	d2 := portcullis.decision with input as file_request(op("write", "/tmp/x", "/tmp/x"), fx.ci, web_dev)
	d2 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 6000}}
}

test_changes_under_etc_are_denied_to_all_but_admins if {
	d1 := portcullis.decision with input as file_request(op("write", "../../etc/hosts", "/etc/hosts"), fx.alice, web_dev)
	d1.allow == false
	d1.reasons == ["write of /etc/hosts is denied: changes under /etc are for admins"]
	d2 := portcullis.decision with input as file_request(object.union(op("rename", "/tmp/a", "/tmp/a"), {"to": "/etc/cron.d/a", "to_resolved": "/etc/cron.d/a"}), fx.alice, web_dev)
	d2.allow == false
	d3 := portcullis.decision with input as file_request(op("setstat", "/etc", "/etc"), fx.ci, web_dev)
	d3.allow == false
	d4 := portcullis.decision with input as file_request(op("write", "/etc/hosts", "/etc/hosts"), admin, web_dev)
	d4 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
	d5 := portcullis.decision with input as file_request(op("write", "/etcetera/x", "/etcetera/x"), fx.alice, web_dev)
	d5 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_secrets_are_read_by_admins_only if {
	d1 := portcullis.decision with input as file_request(op("read", "/tmp/link", "/etc/shadow"), fx.alice, web_dev)
	d1.reasons == ["reading /etc/shadow is denied: it holds secrets"]
	d2 := portcullis.decision with input as file_request(op("read", ".ssh/id_ed25519", "/home/alice/.ssh/id_ed25519"), fx.alice, web_dev)
	d2.allow == false
	d3 := portcullis.decision with input as file_request(op("read", "/etc/shadow", "/etc/shadow"), admin, web_dev)
	d3 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_system_changes_on_prod_need_approval_even_for_admins if {
	d := portcullis.decision with input as file_request(op("write", "/usr/local/bin/tool", "/usr/local/bin/tool"), admin, web_prod)
	d.allow == true
	d.approval
	d.reasons == ["write of /usr/local/bin/tool on web-1 (env prod) requires approval"]
}
