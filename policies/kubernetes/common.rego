# What the Kubernetes rules share: where a request goes, who is an admin, what the object is called.
package portcullis.kubernetes

import data.portcullis.lib.settings

default kubernetes_settings := {}

kubernetes_settings := data.settings.kubernetes

default prod_namespaces := []

prod_namespaces := kubernetes_settings.prod_namespaces

default admin_groups := []

admin_groups := kubernetes_settings.admin_groups

default secret_readers := []

secret_readers := kubernetes_settings.secret_readers

is_admin if {
	some group in input.identity.groups
	group in admin_groups
}

in_prod if input.target.tags.env in settings.approval_environments

in_prod if input.action.namespace in prod_namespaces

place := sprintf("namespace %s on %s", [input.action.namespace, input.target.name]) if {
	input.action.namespace != ""
} else := input.target.name

stream if {
	input.action.resource == "pods"
	input.action.group == ""
	input.action.subresource in {"exec", "attach", "portforward"}
}

# A request the apiserver passes on to a pod or a service (pods/proxy, services/proxy, or the old
# /api/v1/proxy/... form): what it asks there is opaque to the gateway, so it is treated as a stream.
stream if {
	input.action.resource in {"pods", "services"}
	input.action.group == ""
	proxied
}

# What a stream is called in reasons: exec, attach, portforward, proxy or ephemeralcontainers.
# An ephemeral container added to a running pod (kubectl debug) runs a command of the caller's choice
# beside the pod's own: as good as an exec.
stream if {
	input.action.resource == "pods"
	input.action.group == ""
	input.action.subresource == "ephemeralcontainers"
	input.action.verb in {"update", "patch"}
}

stream_kind := "proxy" if proxied

else := input.action.subresource

proxied if input.action.subresource == "proxy"

proxied if input.action.verb == "proxy"

object_name := sprintf("%s %s", [input.action.resource, input.action.name]) if {
	input.action.name != ""
} else := input.action.resource
