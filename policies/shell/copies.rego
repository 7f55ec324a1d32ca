# The old scp protocol (`scp -O`) arrives as an exec of `scp -t PATH` (receiving into PATH) or
# `scp -f PATH` (sending PATH): the same rules as SFTP's file operations (policies/file) apply to
# them. Receiving under /etc is for admins (settings.shell.admin_groups); reading secrets is
# already refused by secrets.rego, which reads every argument.
package portcullis.shell

deny contains reason if {
	not is_admin
	some command in input.action.commands
	command.program == "scp"
	"-t" in command.argv
	some i, path in command.argv
	i > 0
	not startswith(path, "-")
	etc_path(path)
	reason := sprintf("scp writing into %s is denied: changes under /etc are for admins", [path])
}

etc_path(path) if path == "/etc"

etc_path(path) if startswith(path, "/etc/")

# A relative path or one with .. cannot be matched here: scp into it is refused rather than guessed.
etc_path(path) if contains(path, "..")
