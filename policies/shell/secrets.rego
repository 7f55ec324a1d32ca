# Reading the system's password hashes or a user's private SSH keys is for admins only
# (settings.shell.admin_groups): as an argument to any program, or as a redirection's input.
package portcullis.shell

import data.portcullis.lib.settings

deny contains reason if {
	not is_admin
	some command in input.action.commands
	some path in read_paths(command)
	secret_path(path)
	reason := sprintf("%s reads %s, which holds secrets", [command.program, path])
}

is_admin if {
	some group in input.identity.groups
	group in settings.shell_admin_groups
}

# read_paths(command) are the arguments a program is given and the files its redirections read.
read_paths(command) := {path |
	some i, path in command.argv
	i > 0
} | {redirect.target |
	some redirect in command.redirects
	not redirect.writes
	redirect.target != null
}

secret_path(path) if endswith(path, "/etc/shadow")

secret_path(path) if endswith(path, "/etc/gshadow")

secret_path(path) if regex.match(`(^|/)\.ssh/id_[A-Za-z0-9_]+$`, path)
