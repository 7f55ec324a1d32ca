# On targets whose tags.env is one of settings.approvals.environments (default ["prod"]), commands
# that change the machine need a human approval: sudo, service restarts and stops, reboots and
# shutdowns, package removal, recursive removal outside /tmp, and writes by redirection into /etc.
# When input.approval is present the request was already approved: no approval is asked again.
package portcullis.shell

import data.portcullis.lib.settings

approval contains reason if {
	needs_approval_here
	some command in input.action.commands
	some what in changes(command)
	reason := sprintf("%s on %s (env %s) requires approval", [what, input.target.name, input.target.tags.env])
}

needs_approval_here if {
	input.target.tags.env in settings.approval_environments
	not input.approval
}

changes(command) := ((((({"sudo" | command.program == "sudo"} | {"sudo" | some via in command.via; via.kind == "wrapper"; via.program == "sudo"}) | service_changes(command)) | power_changes(command)) | package_removals(command)) | removals(command)) | etc_writes(command)

service_actions := {"restart", "stop", "reload", "kill", "disable", "mask", "isolate", "try-restart", "reload-or-restart"}

service_changes(command) := {sprintf("systemctl %s", [command.argv[i]]) |
	command.program == "systemctl"
	some i, word in command.argv
	i > 0
	word in service_actions
} | {sprintf("service %s", [command.argv[2]]) |
	command.program == "service"
	command.argv[2] in service_actions
}

power_programs := {"reboot", "shutdown", "halt", "poweroff"}

power_changes(command) := {command.program | command.program in power_programs} | {sprintf("systemctl %s", [word]) |
	command.program == "systemctl"
	some word in command.argv
	word in power_programs
}

package_removals(command) := {sprintf("%s %s", [command.program, word]) |
	command.program in {"apt", "apt-get", "yum", "dnf", "zypper", "apk"}
	some word in command.argv
	word in {"remove", "purge", "autoremove", "erase", "del"}
} | {sprintf("%s %s", [command.program, word]) |
	command.program in {"dpkg", "rpm"}
	some word in command.argv
	regex.match(`^(-[a-zA-Z]*[rPe][a-zA-Z]*|--remove|--purge|--erase)$`, word)
}

removals(command) := {sprintf("rm -r %s", [path]) |
	command.program == "rm"
	recursive(command)
	some i, path in command.argv
	i > 0
	not startswith(path, "-")
	not under_tmp(path)
}

recursive(command) if {
	some word in command.argv
	regex.match(`^-[a-zA-Z]*[rR][a-zA-Z]*$`, word)
}

recursive(command) if "--recursive" in command.argv

under_tmp(path) if {
	startswith(path, "/tmp/")
	not contains(path, "/../")
	not endswith(path, "/..")
}

etc_writes(command) := {sprintf("writing %s", [redirect.target]) |
	some redirect in command.redirects
	redirect.writes
	redirect.target != null
	startswith(redirect.target, "/etc/")
} | {sprintf("writing %s", [path]) |
	command.program == "tee"
	some i, path in command.argv
	i > 0
	startswith(path, "/etc/")
}
