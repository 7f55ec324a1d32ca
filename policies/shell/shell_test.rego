package portcullis.shell_test

import data.portcullis
import data.portcullis.test.fixtures as fx
import data.portcullis.test.shell_fixtures as sh

web_prod := {"name": "web-1", "type": "ssh", "tags": {"env": "prod"}}

web_staging := {"name": "web-2", "type": "ssh", "tags": {"env": "staging"}}

sre := {"subject": "sam", "issuer": "https://id.example.com", "groups": ["sre"], "kind": "human", "claims": {}}

shell_request(action, identity, target) := object.union(fx.request(action, identity, target), {"session": {"id": "session-1", "protocol": "ssh"}})

test_a_plain_command_is_allowed_everywhere if {
	d101 := portcullis.decision with input as shell_request(sh.echo, fx.alice, web_prod)
	d101 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
	d102 := portcullis.decision with input as shell_request(sh.echo, fx.ci, web_prod)
	d102 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 6000}}
}

test_a_command_that_does_not_parse_is_denied if {
	d := portcullis.decision with input as shell_request(sh.unparsable, sre, web_staging)
	d.allow == false
	startswith(d.reasons[0], "the command does not parse: ")
}

test_dynamic_commands_are_denied_to_services_only if {
	d := portcullis.decision with input as shell_request(sh.dynamic, fx.ci, web_staging)
	d.allow == false
	contains(d.reasons[0], "cannot be known from its text")
	d1 := portcullis.decision with input as shell_request(sh.dynamic, fx.alice, web_staging)
	d1.allow == true
}

test_sudo_and_service_restarts_need_approval_on_prod if {
	d := portcullis.decision with input as shell_request(sh.sudo_restart, fx.alice, web_prod)
	d.allow == true
	d.approval.required == true
	d.approval.approvers == ["group:dba"]
	d.approval.mode == "hold"
	d.reasons == ["sudo on web-1 (env prod) requires approval", "systemctl restart on web-1 (env prod) requires approval"]
	d2 := portcullis.decision with input as shell_request(sh.sudo_restart, fx.ci, web_prod)
	d2.approval.mode == "ticket"
}

test_changes_are_not_held_outside_prod if {
	d103 := portcullis.decision with input as shell_request(sh.sudo_restart, fx.alice, web_staging)
	d103 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_an_approved_request_is_not_held_again if {
	d := portcullis.decision with input as fx.approved(shell_request(sh.sudo_restart, fx.alice, web_prod))
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_reading_status_is_not_a_change if {
	d104 := portcullis.decision with input as shell_request(sh.systemctl_status, fx.alice, web_prod)
	d104 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
	d105 := portcullis.decision with input as shell_request(sh.apt_install, fx.alice, web_prod)
	d105 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
	d106 := portcullis.decision with input as shell_request(sh.rm_file, fx.alice, web_prod)
	d106 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_each_kind_of_change_needs_approval_on_prod if {
	every action in [sh.service_stop, sh.reboot, sh.apt_remove, sh.rm_var, sh.rm_escape_tmp, sh.etc_redirect, sh.etc_tee, sh.obfuscated_rm] {
		d3 := portcullis.decision with input as shell_request(action, fx.alice, web_prod)
		d3.approval.required == true
	}
}

test_recursive_removal_under_tmp_is_fine if {
	d107 := portcullis.decision with input as shell_request(sh.rm_tmp, fx.alice, web_prod)
	d107 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_the_reason_names_what_changes if {
	d4 := portcullis.decision with input as shell_request(sh.etc_redirect, fx.alice, web_prod)
	d4.reasons == ["writing /etc/resolv.conf on web-1 (env prod) requires approval"]
	d5 := portcullis.decision with input as shell_request(sh.obfuscated_rm, fx.alice, web_prod)
	d5.reasons == ["rm -r /srv/data on web-1 (env prod) requires approval"]
}

test_secrets_are_for_admins_only if {
	every action in [sh.read_shadow, sh.read_shadow_redirect, sh.read_key] {
		d6 := portcullis.decision with input as shell_request(action, fx.alice, web_staging)
		d6.allow == false
		d7 := portcullis.decision with input as shell_request(action, sre, web_staging)
		d7.allow == true
	}
	d8 := portcullis.decision with input as shell_request(sh.read_shadow, fx.alice, web_staging)
	d8.reasons == ["cat reads /etc/shadow, which holds secrets"]
}

test_interactive_shells_are_for_people_and_held_on_prod if {
	d9 := portcullis.decision with input as shell_request(sh.interactive, fx.ci, web_staging)
	d9.allow == false
	d108 := portcullis.decision with input as shell_request(sh.interactive, fx.alice, web_staging)
	d108 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
	d10 := portcullis.decision with input as shell_request(sh.interactive, fx.alice, web_prod)
	d10.approval.required == true
}

test_scp_receiving_under_etc_is_denied_to_all_but_admins if {
	scp_etc := {"kind": "shell", "text": "scp -t /etc/cron.d/x", "interactive": false, "dynamic": false, "dynamic_reasons": [], "commands": [{"program": "scp", "argv": ["scp", "-t", "/etc/cron.d/x"], "assignments": [], "redirects": [], "via": []}]}
	d1 := portcullis.decision with input as shell_request(scp_etc, fx.alice, web_staging)
	d1.allow == false
	d1.reasons == ["scp writing into /etc/cron.d/x is denied: changes under /etc are for admins"]
	d2 := portcullis.decision with input as shell_request(scp_etc, sre, web_staging)
	d2.allow == true
	scp_tmp := object.union(scp_etc, {"text": "scp -t /tmp/x", "commands": [{"program": "scp", "argv": ["scp", "-t", "/tmp/x"], "assignments": [], "redirects": [], "via": []}]})
	d3 := portcullis.decision with input as shell_request(scp_tmp, fx.alice, web_staging)
	d3 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_variables_that_change_which_code_runs_are_denied if {
	with_preload := object.union(sh.echo, {"env": {"LD_PRELOAD": "/tmp/x.so", "LANG": "C"}})
	d1 := portcullis.decision with input as shell_request(with_preload, sre, web_staging)
	d1.reasons == ["setting LD_PRELOAD for a command is denied: it changes which code runs"]
	with_lang := object.union(sh.echo, {"env": {"LANG": "C.UTF-8"}})
	d2 := portcullis.decision with input as shell_request(with_lang, fx.alice, web_staging)
	d2 == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_output_bytes_per_hour_limits_ssh_output_by_identity_kind if {
	bytes := {"service": 5000}
	d := portcullis.decision with input as shell_request(sh.echo, fx.ci, web_prod) with data.settings.shell.output_bytes_per_hour as bytes
	d.limits == {"requests_per_minute": 6000, "bytes_per_window": {"limit": 5000, "seconds": 3600, "name": "ssh-output"}}
	person := portcullis.decision with input as shell_request(sh.echo, fx.alice, web_prod) with data.settings.shell.output_bytes_per_hour as bytes
	person.limits == {"requests_per_minute": 600000}
}
