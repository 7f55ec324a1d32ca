# Variables a client sends with a command (SSH SendEnv/SetEnv, seen as input.action.env) that change
# which code runs rather than how it behaves are denied to everyone: the dynamic loader's (LD_*,
# DYLD_*), the ones that make bash run a file or a function (BASH_ENV, ENV, BASH_FUNC_*,
# PROMPT_COMMAND, PS4, SHELLOPTS, BASHOPTS) and the search path (PATH).
package portcullis.shell

deny contains reason if {
	some name, _ in input.action.env
	code_changing_variable(name)
	reason := sprintf("setting %s for a command is denied: it changes which code runs", [name])
}

code_changing_variable(name) if startswith(name, "LD_")

code_changing_variable(name) if startswith(name, "DYLD_")

code_changing_variable(name) if startswith(name, "BASH_FUNC_")

code_changing_variable(name) if name in {"BASH_ENV", "ENV", "PROMPT_COMMAND", "PS4", "SHELLOPTS", "BASHOPTS", "PATH", "IFS"}
