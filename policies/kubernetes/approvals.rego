# In production (a target tagged env in settings.approvals.environments, or a namespace listed in
# settings.kubernetes.prod_namespaces), people need an approval to open a stream into a pod (exec,
# attach, port-forward), to delete, and to scale to zero. An approved request is not asked again.
package portcullis.kubernetes

approval contains sprintf("%s into %s requires approval", [stream_kind, place]) if {
	stream
	in_prod
	not input.approval
}

approval contains sprintf("%s of %s in %s requires approval", [input.action.verb, object_name, place]) if {
	input.action.verb in {"delete", "deletecollection"}
	not input.action.dry_run
	in_prod
	not input.approval
}

approval contains sprintf("scaling %s to zero in %s requires approval", [object_name, place]) if {
	input.action.verb in {"create", "update", "patch"}
	input.action.object.replicas == 0
	not input.action.dry_run
	in_prod
	not input.approval
}
