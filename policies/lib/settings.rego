# The configuration of the default policy, read from data.json under the top-level key "settings".
# Every value has a default here, so a missing key never leaves a rule undefined.
#
#   {"settings": {
#     "masking": {
#       "readers": ["pii-readers"],            groups that see sensitive columns in clear
#       "columns": [                           sensitive columns: "schema.table.column" (schema may be "*")
#         {"column": "public.users.email", "strategy": "redact"},
#         {"column": "public.users.ssn", "strategy": "partial", "keep": 4}
#       ],                                     strategy: redact | hash | partial | null; keep: partial only
#       "inference": {
#         "denied_kinds": ["service"]          identity kinds that may not use a masked column to choose,
#       }                                      order, group or join rows (closes inference oracles)
#     },
#     "approvals": {
#       "environments": ["prod"],              targets whose tags.env needs approvals
#       "categories": ["ddl", "dcl"],          statement categories that need approval there
#       "write_commands": ["TRUNCATE"],        data changes (writes[].command) that need approval there
#       "approvers": ["group:dba"],            "group:<name>" or "subject:<sub>"
#       "ttl_seconds": 900,                    how long a pending approval waits
#       "modes": {"human": "hold", "service": "ticket"}
#     },                                       hold: the session waits; ticket: the request fails with a ticket
#     "dynamic_sql": {
#       "denied_kinds": ["service"]            identity kinds that may not run SQL the gateway cannot see
#     },
#     "server_side": {
#       "admin_groups": ["dba"],               groups allowed COPY to/from server files or programs
#       "functions": ["pg_read_file", ...]     functions that reach the server's files (admins only)
#     },
#     "writes": {
#       "max_rows_affected": {"service": 1000}   by identity kind: the most existing rows one statement
#     },                                       may change (the gateway rolls back a bigger change)
#     "rates": {
#       "requests_per_minute": {"human": 600000, "service": 6000}   by identity kind: requests per minute on
#     },                                       one target (an agent acting for a person: the lowest)
#     "reads": {                               by identity kind, on statements reading a table that
#       "rows_per_statement": {"service": 1000},  holds masked columns: rows one statement may return
#       "rows_per_hour": {"service": 10000}       (cut there), and rows per hour over all such tables
#     },
#     "sessions": {
#       "max_per_identity": {"service": 10},     by identity kind: open sessions on one target (lowers the
#       "idle_timeout_seconds": {"service": 300}  gateway's configured limit); idle seconds before closing
#     },
#     "shell": {
#       "output_bytes_per_hour": {"service": 10000000},  by identity kind: bytes of output (commands, shells, file
#                                               reads) over SSH per hour, cut where they end (none by default)
#       "dynamic_denied_kinds": ["service"],    identity kinds that may not run commands the gateway cannot read
#       "interactive_denied_kinds": ["service"], identity kinds that may not open an interactive shell
#       "admin_groups": ["sre"]                 groups that may read /etc/shadow and private SSH keys
#     },
#     "kubernetes": {
#       "response_bytes_per_hour": {"service": 100000000},  by identity kind: bytes of Kubernetes responses and
#                                               streams per hour, cut or refused where they end (none by default)
#       "admin_groups": ["cluster-admins"],     groups that may run privileged pods, hostPath, host namespaces, added capabilities
#       "secret_readers": ["secret-readers"],   groups that see Secret values in clear
#       "prod_namespaces": []                   namespaces treated as prod on any target (besides targets tagged prod)
#     },
#     "session": {
#       "locked_settings": ["role", "session_authorization"],   settings nobody may SET (RESET is fine)
#       "setting_functions": ["set_config"]    functions that set any setting by name (denied)
#     }
#   }}
package portcullis.lib.settings

default masking_readers := []

masking_readers := data.settings.masking.readers

default masking_columns := []

masking_columns := data.settings.masking.columns

default masking_inference_denied_kinds := ["service"]

masking_inference_denied_kinds := data.settings.masking.inference.denied_kinds

default max_rows_affected := {}

max_rows_affected := data.settings.writes.max_rows_affected

default requests_per_minute := {}

requests_per_minute := data.settings.rates.requests_per_minute

default read_rows_per_statement := {}

read_rows_per_statement := data.settings.reads.rows_per_statement

default read_rows_per_hour := {}

read_rows_per_hour := data.settings.reads.rows_per_hour

default shell_output_bytes_per_hour := {}

shell_output_bytes_per_hour := data.settings.shell.output_bytes_per_hour

default kubernetes_response_bytes_per_hour := {}

kubernetes_response_bytes_per_hour := data.settings.kubernetes.response_bytes_per_hour

default sessions_max_per_identity := {}

sessions_max_per_identity := data.settings.sessions.max_per_identity

default sessions_idle_timeout_seconds := {}

sessions_idle_timeout_seconds := data.settings.sessions.idle_timeout_seconds

# settings.sessions.database_roles: which group role a session's own database role joins on a
# PostgreSQL target with ephemeral_roles: [{"group": G, "role": R}, ...] (the first rule whose group
# the caller is in), "delegated": R for an agent acting for a person, "default": R otherwise.
default database_roles := {}

database_roles := data.settings.sessions.database_roles

default approval_environments := []

approval_environments := data.settings.approvals.environments

default approval_categories := ["ddl", "dcl"]

approval_categories := data.settings.approvals.categories

default approval_write_commands := ["TRUNCATE"]

approval_write_commands := data.settings.approvals.write_commands

default approvers := []

approvers := data.settings.approvals.approvers

default approval_ttl_seconds := 900

approval_ttl_seconds := data.settings.approvals.ttl_seconds

default approval_modes := {"human": "hold", "service": "ticket"}

approval_modes := data.settings.approvals.modes

default dynamic_sql_denied_kinds := ["service"]

dynamic_sql_denied_kinds := data.settings.dynamic_sql.denied_kinds

default shell_dynamic_denied_kinds := ["service"]

shell_dynamic_denied_kinds := data.settings.shell.dynamic_denied_kinds

default shell_interactive_denied_kinds := ["service"]

shell_interactive_denied_kinds := data.settings.shell.interactive_denied_kinds

default shell_admin_groups := []

shell_admin_groups := data.settings.shell.admin_groups

default admin_groups := []

admin_groups := data.settings.server_side.admin_groups

default server_side_functions := []

server_side_functions := data.settings.server_side.functions

default locked_settings := ["role", "session_authorization"]

locked_settings := data.settings.session.locked_settings

default setting_functions := ["set_config"]

setting_functions := data.settings.session.setting_functions
