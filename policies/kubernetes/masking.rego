# Secret values are masked for everyone outside settings.kubernetes.secret_readers, in every answer
# that carries the Secret: get, list and watch, and the object a create, update, patch or delete
# answers with (`kubectl annotate secret db x=y -o yaml` would print the values otherwise). The
# gateway rewrites JSON responses, tables and watch events alike. A Secret made with `kubectl apply`
# also holds its values in the last-applied-configuration annotation: masked too.
package portcullis.kubernetes

secret_answers := {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

secret_paths := ["data.*", "stringData.*", `metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration`]

mask contains {"json_path": path, "strategy": "redact"} if {
	input.action.resource == "secrets"
	input.action.group == ""
	input.action.subresource == ""
	input.action.verb in secret_answers
	not secret_reader
	some path in secret_paths
}

secret_reader if {
	some group in input.identity.groups
	group in secret_readers
}
