# Kubernetes requests refused outright: what cannot be read, impersonation asked for by the client,
# ClusterRoleBindings, pod specs that escape the node's isolation (for all but admins), and exec
# commands the shell policy refuses (the same rm, the same /etc/shadow an SSH session would see).
package portcullis.kubernetes

import data.portcullis.shell

deny contains reason if {
	error := input.action.parse_error
	reason := sprintf("the request could not be read: %s", [error.message])
}

deny contains "impersonating another user or group through the gateway is not allowed" if input.action.impersonate

deny contains "creating or changing ClusterRoleBindings is not allowed through the gateway" if {
	input.action.resource == "clusterrolebindings"
	input.action.group == "rbac.authorization.k8s.io"
	input.action.verb in {"create", "update", "patch"}
}

deny contains sprintf("%s: %s is for admins only", [subject, what]) if {
	not is_admin
	some what in escapes
	subject := object_name
}

escapes contains "a privileged container" if input.action.object.privileged

escapes contains sprintf("a hostPath volume (%s)", [concat(", ", input.action.object.host_paths)]) if {
	count(input.action.object.host_paths) > 0
}

escapes contains "the host's network" if input.action.object.host_network

escapes contains "the host's PID namespace" if input.action.object.host_pid

escapes contains "the host's IPC namespace" if input.action.object.host_ipc

escapes contains sprintf("added capabilities (%s)", [concat(", ", input.action.object.added_capabilities)]) if {
	count(input.action.object.added_capabilities) > 0
}

# nodes/proxy reaches the kubelet's own API (run a command in any pod on the node, read its logs) past
# every pods/exec rule: for admins only.
deny contains sprintf("the kubelet API through nodes/proxy (%s) is for admins only: it runs commands in pods without the gateway seeing which", [input.action.name]) if {
	input.action.resource == "nodes"
	input.action.group == ""
	proxied
	not is_admin
}

# The apiserver's own service, proxied by the apiserver: a way around masking and every rule here.
deny contains "proxying to the apiserver's own service (default/kubernetes) is not allowed through the gateway" if {
	input.action.resource == "services"
	proxied
	input.action.namespace == "default"
	regex.match(`^(https?:)?kubernetes(:[^/]*)?$`, input.action.name)
}

# Services may not open a stream into a production pod at all (people ask for approval, approvals.rego).
deny contains sprintf("%s into %s is not allowed for services", [stream_kind, where]) if {
	stream
	in_prod
	input.identity.kind == "service"
	where := place
}

# An exec's command is judged by the shell policy as if it were an SSH command.
deny contains reason if {
	input.action.subresource == "exec"
	command := input.action.shell
	some reason in shell.deny with input.action as command
}
