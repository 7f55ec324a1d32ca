# Secret values are masked for everyone outside settings.kubernetes.secret_readers, in every read:
# get, list and watch (the gateway rewrites JSON responses, tables and watch events alike).
package portcullis.kubernetes

secret_reads := {"get", "list", "watch"}

mask contains {"json_path": path, "strategy": "redact"} if {
	input.action.resource == "secrets"
	input.action.group == ""
	input.action.subresource == ""
	input.action.verb in secret_reads
	not secret_reader
	some path in ["data.*", "stringData.*"]
}

secret_reader if {
	some group in input.identity.groups
	group in secret_readers
}
