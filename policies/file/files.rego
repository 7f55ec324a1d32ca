# File operations (SFTP, and scp, which is SFTP in OpenSSH 9), matched on the path as the target
# itself resolved it (home directory, `..`, symbolic links): changes under /etc are for admins
# (settings.shell.admin_groups), and so is reading password hashes and private SSH keys. Changes
# on targets whose env needs approvals (settings.approvals.environments) under /etc, /usr, /boot
# and /var/lib need one even for admins.
package portcullis.file

import data.portcullis.lib.settings

changes := {"write", "remove", "rename", "mkdir", "rmdir", "setstat", "symlink"}

deny contains reason if {
	not is_admin
	input.action.operation in changes
	some path in touched
	under(path, "/etc")
	reason := sprintf("%s of %s is denied: changes under /etc are for admins", [input.action.operation, path])
}

deny contains reason if {
	not is_admin
	input.action.operation == "read"
	secret_path(input.action.resolved)
	reason := sprintf("reading %s is denied: it holds secrets", [input.action.resolved])
}

approval contains reason if {
	input.target.tags.env in settings.approval_environments
	not input.approval
	input.action.operation in changes
	some path in touched
	some system in {"/etc", "/usr", "/boot", "/var/lib"}
	under(path, system)
	reason := sprintf("%s of %s on %s (env %s) requires approval", [input.action.operation, path, input.target.name, input.target.tags.env])
}

is_admin if {
	some group in input.identity.groups
	group in settings.shell_admin_groups
}

# touched holds every path the operation reaches: the resolved path, and a rename's new name.
touched contains input.action.resolved

touched contains input.action.to_resolved if input.action.to_resolved

under(path, dir) if path == dir

under(path, dir) if startswith(path, concat("", [dir, "/"]))

secret_path(path) if path in {"/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-"}

secret_path(path) if regex.match(`(^|/)\.ssh/id_[A-Za-z0-9_]+$`, path)
