package portcullis.kubernetes_test

import data.portcullis
import data.portcullis.test.fixtures as fx

cluster_prod := {"name": "cluster-prod", "type": "kubernetes", "tags": {"env": "prod"}}

cluster_dev := {"name": "cluster-dev", "type": "kubernetes", "tags": {"env": "dev"}}

admin := {"subject": "ada", "issuer": "https://id.example.com", "groups": ["cluster-admins"], "kind": "human", "claims": {}}

base := {"kind": "kubernetes", "method": "GET", "path": "/api/v1/namespaces/demo/pods", "resource_request": true, "verb": "list", "api_prefix": "api", "group": "", "version": "v1", "resource": "pods", "subresource": "", "namespace": "demo", "name": "", "label_selector": "", "field_selector": "", "dry_run": false}

pod_fields := {"images": ["nginx"], "privileged": false, "allow_privilege_escalation": false, "host_paths": [], "host_network": false, "host_pid": false, "host_ipc": false, "added_capabilities": [], "service_accounts": [], "run_as_root": false}

list_pods := base

exec_cat_shadow := object.union(base, {"method": "POST", "verb": "create", "subresource": "exec", "name": "web-1", "command": ["cat", "/etc/shadow"], "container": "", "stdin": false, "tty": false, "shell": {"kind": "shell", "text": "'cat' '/etc/shadow'", "interactive": false, "commands": [{"program": "cat", "argv": ["cat", "/etc/shadow"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}})

exec_ls := object.union(exec_cat_shadow, {"command": ["ls"], "shell": {"kind": "shell", "text": "'ls'", "interactive": false, "commands": [{"program": "ls", "argv": ["ls"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}})

delete_deployment := object.union(base, {"method": "DELETE", "verb": "delete", "group": "apps", "api_prefix": "apis", "resource": "deployments", "name": "web"})

scale_to_zero := object.union(base, {"method": "PATCH", "verb": "patch", "group": "apps", "api_prefix": "apis", "resource": "deployments", "subresource": "scale", "name": "web", "patch_type": "merge", "object": object.union(pod_fields, {"images": [], "replicas": 0})})

privileged_pod := object.union(base, {"method": "POST", "verb": "create", "object": object.union(pod_fields, {"kind": "Pod", "privileged": true, "host_paths": ["/"]})})

plain_pod := object.union(base, {"method": "POST", "verb": "create", "object": pod_fields})

test_list_is_allowed if {
	d := portcullis.decision with input as fx.request(list_pods, fx.alice, cluster_prod)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_parse_error_is_denied if {
	d := portcullis.decision with input as fx.request(object.union(base, {"parse_error": {"message": "the path has an encoded '/'", "position": 0}}), admin, cluster_dev)
	d.allow == false
	d.reasons == ["the request could not be read: the path has an encoded '/'"]
}

test_exec_reading_shadow_is_denied_like_a_shell_command if {
	d := portcullis.decision with input as fx.request(exec_cat_shadow, fx.alice, cluster_dev)
	d.allow == false
	"cat reads /etc/shadow, which holds secrets" in d.reasons
}

test_exec_into_prod_needs_approval_for_people if {
	d := portcullis.decision with input as fx.request(exec_ls, fx.alice, cluster_prod)
	d.allow == true
	d.approval.required == true
	d.reasons == ["exec into namespace demo on cluster-prod requires approval"]
}

test_exec_into_prod_is_denied_to_services if {
	d := portcullis.decision with input as fx.request(exec_ls, fx.ci, cluster_prod)
	d.allow == false
	d.reasons == ["exec into namespace demo on cluster-prod is not allowed for services"]
}

test_exec_in_dev_is_allowed if {
	d := portcullis.decision with input as fx.request(exec_ls, fx.alice, cluster_dev)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_prod_namespace_from_settings_counts_as_prod if {
	d := portcullis.decision with input as fx.request(exec_ls, fx.alice, cluster_dev) with data.settings.kubernetes.prod_namespaces as ["demo"]
	d.approval.required == true
}

test_delete_in_prod_needs_approval if {
	d := portcullis.decision with input as fx.request(delete_deployment, fx.alice, cluster_prod)
	d.reasons == ["delete of deployments web in namespace demo on cluster-prod requires approval"]
}

test_dry_run_delete_needs_no_approval if {
	d := portcullis.decision with input as fx.request(object.union(delete_deployment, {"dry_run": true}), fx.alice, cluster_prod)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_approved_delete_passes if {
	d := portcullis.decision with input as object.union(fx.request(delete_deployment, fx.alice, cluster_prod), {"approval": {"id": "apr_1", "granted_by": "dana", "expires_at": "2030-01-01T00:00:00Z"}})
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_scale_to_zero_in_prod_needs_approval if {
	d := portcullis.decision with input as fx.request(scale_to_zero, fx.alice, cluster_prod)
	d.reasons == ["scaling deployments web to zero in namespace demo on cluster-prod requires approval"]
}

test_privileged_pod_denied_but_for_admins if {
	d := portcullis.decision with input as fx.request(privileged_pod, fx.alice, cluster_dev)
	d.allow == false
	d.reasons == ["pods: a hostPath volume (/) is for admins only", "pods: a privileged container is for admins only"]
	a := portcullis.decision with input as fx.request(privileged_pod, admin, cluster_dev)
	a == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_plain_pod_allowed if {
	d := portcullis.decision with input as fx.request(plain_pod, fx.alice, cluster_dev)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_impersonation_denied_even_to_admins if {
	d := portcullis.decision with input as fx.request(object.union(list_pods, {"impersonate": {"user": "bob", "groups": [], "extra": {}}}), admin, cluster_dev)
	d == {"allow": false, "reasons": ["impersonating another user or group through the gateway is not allowed"]}
}

test_cluster_role_binding_denied if {
	crb := object.union(base, {"method": "POST", "verb": "create", "api_prefix": "apis", "group": "rbac.authorization.k8s.io", "resource": "clusterrolebindings", "namespace": "", "object": object.union(pod_fields, {"images": []})})
	d := portcullis.decision with input as fx.request(crb, admin, cluster_dev)
	d == {"allow": false, "reasons": ["creating or changing ClusterRoleBindings is not allowed through the gateway"]}
}

get_secret := object.union(base, {"resource": "secrets", "verb": "get", "name": "db"})

test_secrets_are_masked_outside_secret_readers if {
	d := portcullis.decision with input as fx.request(get_secret, fx.alice, cluster_dev)
	d.allow == true
	{m.json_path | some m in d.mask} == {"data.*", "stringData.*", `metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration`}
	"data.* is masked for you (redact)" in d.reasons
}

test_a_change_to_a_secret_answers_masked if {
	every verb in ["create", "update", "patch", "delete", "deletecollection"] {
		d := portcullis.decision with input as fx.request(object.union(get_secret, {"verb": verb}), fx.alice, cluster_dev)
		count(d.mask) == 3
	}
}

test_secret_readers_see_secrets if {
	reader := object.union(fx.alice, {"groups": ["secret-readers"]})
	d := portcullis.decision with input as fx.request(object.union(get_secret, {"verb": "watch", "name": ""}), reader, cluster_dev)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

test_configmaps_are_not_masked if {
	d := portcullis.decision with input as fx.request(object.union(get_secret, {"resource": "configmaps"}), fx.alice, cluster_dev)
	d == {"allow": true, "reasons": [], "limits": {"requests_per_minute": 600000}}
}

node_proxy := object.union(base, {"path": "/api/v1/nodes/n1/proxy/run/demo/web-1/app", "method": "POST", "verb": "create", "resource": "nodes", "subresource": "proxy", "namespace": "", "name": "n1"})

service_proxy := object.union(base, {"path": "/api/v1/namespaces/demo/services/web:80/proxy/", "verb": "get", "resource": "services", "subresource": "proxy", "name": "web:80"})

apiserver_proxy := object.union(service_proxy, {"namespace": "default", "name": "https:kubernetes:443"})

test_node_proxy_is_for_admins_only if {
	d := portcullis.decision with input as fx.request(node_proxy, fx.alice, cluster_dev)
	d.allow == false
	regex.match(`nodes/proxy \(n1\) is for admins only`, d.reasons[0])
	a := portcullis.decision with input as fx.request(node_proxy, admin, cluster_dev)
	a.allow == true
}

test_service_proxy_is_a_stream if {
	dev := portcullis.decision with input as fx.request(service_proxy, fx.alice, cluster_dev)
	dev.allow == true
	not dev.approval.required
	d := portcullis.decision with input as fx.request(service_proxy, fx.alice, cluster_prod)
	d.approval.required == true
	d.reasons == ["proxy into namespace demo on cluster-prod requires approval"]
	ci := portcullis.decision with input as fx.request(service_proxy, fx.ci, cluster_prod)
	ci.allow == false
}

test_legacy_proxy_path_is_a_stream_too if {
	legacy := object.union(service_proxy, {"verb": "proxy", "subresource": ""})
	d := portcullis.decision with input as fx.request(legacy, fx.alice, cluster_prod)
	d.approval.required == true
	d.reasons == ["proxy into namespace demo on cluster-prod requires approval"]
}

test_proxy_to_the_apiserver_itself_is_denied if {
	d := portcullis.decision with input as fx.request(apiserver_proxy, admin, cluster_dev)
	d.allow == false
	d.reasons == ["proxying to the apiserver's own service (default/kubernetes) is not allowed through the gateway"]
}

test_a_debug_container_is_a_stream if {
	debug := object.union(base, {"method": "PATCH", "verb": "patch", "subresource": "ephemeralcontainers", "name": "web-1", "patch_type": "strategic", "object": pod_fields})
	d := portcullis.decision with input as fx.request(debug, fx.alice, cluster_prod)
	d.approval.required == true
	"ephemeralcontainers into namespace demo on cluster-prod requires approval" in d.reasons
	ci := portcullis.decision with input as fx.request(debug, fx.ci, cluster_prod)
	ci.allow == false
}

test_response_bytes_per_hour_limits_kubernetes_responses_by_identity_kind if {
	bytes := {"service": 7000}
	d := portcullis.decision with input as fx.request(list_pods, fx.ci, cluster_prod) with data.settings.kubernetes.response_bytes_per_hour as bytes
	d.limits == {"requests_per_minute": 6000, "bytes_per_window": {"limit": 7000, "seconds": 3600, "name": "kubernetes-responses"}}
	person := portcullis.decision with input as fx.request(list_pods, fx.alice, cluster_prod) with data.settings.kubernetes.response_bytes_per_hour as bytes
	person.limits == {"requests_per_minute": 600000}
}

test_ssh_output_setting_does_not_limit_kubernetes if {
	d := portcullis.decision with input as fx.request(list_pods, fx.ci, cluster_prod) with data.settings.shell.output_bytes_per_hour as {"service": 5000}
	d.limits == {"requests_per_minute": 6000}
}
