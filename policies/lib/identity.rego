# Questions about the identity making the request (input.identity).
package portcullis.lib.identity

# in_group(group) is true when the identity belongs to group.
in_group(group) if group in input.identity.groups

# in_any_group(groups) is true when the identity belongs to at least one of groups.
in_any_group(groups) if {
	some group in groups
	in_group(group)
}
