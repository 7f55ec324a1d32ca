# Action documents for the tests, as the SQL normalizer (engine/actions/sql) produced them,
# and the identities and targets the tests use. Regenerate an entry by running the normalizer on its
# statement text (the "text" field of each statement).
package portcullis.test.fixtures

# request(action, identity, target) is a policy input (schemas/input.json).
request(action, identity, target) := {
	"identity": identity,
	"session": {"id": "session-1", "protocol": "postgres", "client_addr": "10.0.0.7"},
	"target": target,
	"action": action,
}

# approved(request) is the same request with an approval already granted.
approved(request) := object.union(request, {"approval": {"id": "approval-1", "granted_by": "dana", "expires_at": "2030-01-01T00:00:00Z"}})

alice := {"subject": "alice", "issuer": "https://id.example.com", "groups": ["developers"], "kind": "human", "claims": {}}

reader := {"subject": "rita", "issuer": "https://id.example.com", "groups": ["developers", "pii-readers"], "kind": "human", "claims": {}}

dba := {"subject": "dana", "issuer": "https://id.example.com", "groups": ["dba"], "kind": "human", "claims": {}}

ci := {"subject": "ci-deployer", "issuer": "https://ci.example.com", "groups": ["deployers"], "kind": "service", "claims": {}}

ci_reader := {"subject": "reporting-job", "issuer": "https://ci.example.com", "groups": ["pii-readers", "dba"], "kind": "service", "claims": {}}

prod := {"name": "orders-prod", "type": "postgres", "tags": {"env": "prod"}}

staging := {"name": "orders-staging", "type": "postgres", "tags": {"env": "staging"}}

untagged := {"name": "scratch", "type": "postgres", "tags": {}}

# SELEC 1
syntax_error := {"kind": "sql", "statements": [], "parse_error": {"message": "syntax error at or near \"SELEC\"", "position": 0}}

# ;
empty := {"kind": "sql", "statements": []}

# SELECT 1
select_one := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT 1", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# ALTER SYSTEM SET work_mem = '1GB'
alter_system := {"kind": "sql", "statements": [{"command": "ALTER SYSTEM", "category": "other", "text": "ALTER SYSTEM SET work_mem = '1GB'", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# DELETE FROM orders
delete_all := {"kind": "sql", "statements": [{"command": "DELETE", "category": "dml", "text": "DELETE FROM orders", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [], "functions": [], "writes": [{"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": []}]}

# UPDATE public.orders SET total = 0
update_all_qualified := {"kind": "sql", "statements": [{"command": "UPDATE", "category": "dml", "text": "UPDATE public.orders SET total = 0", "tables": [{"schema": "public", "name": "orders", "access": "write"}], "columns": [{"table": {"schema": "public", "name": "orders"}, "column": "total", "usage": "write"}], "functions": [], "writes": [{"command": "UPDATE", "table": {"schema": "public", "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": []}]}

# DELETE FROM orders WHERE true
delete_where_true := {"kind": "sql", "statements": [{"command": "DELETE", "category": "dml", "text": "DELETE FROM orders WHERE true", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [], "functions": [], "writes": [{"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": []}]}

# DELETE FROM orders WHERE id = 1
delete_bounded := {"kind": "sql", "statements": [{"command": "DELETE", "category": "dml", "text": "DELETE FROM orders WHERE id = 1", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [{"table": {"schema": null, "name": "orders"}, "column": "id", "usage": "filter"}], "functions": [], "writes": [{"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": true}], "where_bounded": true, "dynamic_sql": false, "dynamic_reasons": []}]}

# WITH u AS (UPDATE orders SET total = 0 RETURNING id) SELECT count(*) FROM u
cte_update_all := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "WITH u AS (UPDATE orders SET total = 0 RETURNING id) SELECT count(*) FROM u", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [{"table": {"schema": null, "name": "orders"}, "column": "total", "usage": "write"}], "functions": ["count"], "writes": [{"command": "UPDATE", "table": {"schema": null, "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": []}]}

# EXPLAIN DELETE FROM orders
explain_delete_all := {"kind": "sql", "statements": [{"command": "EXPLAIN", "category": "utility", "text": "EXPLAIN DELETE FROM orders", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [], "functions": [], "writes": [{"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": [], "explain": {"analyze": false}}]}

# EXPLAIN ANALYZE DELETE FROM orders
explain_analyze_delete_all := {"kind": "sql", "statements": [{"command": "EXPLAIN", "category": "dml", "text": "EXPLAIN ANALYZE DELETE FROM orders", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [], "functions": [], "writes": [{"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": [], "explain": {"analyze": true}}]}

# PREPARE purge AS DELETE FROM orders
prepare_delete_all := {"kind": "sql", "statements": [{"command": "PREPARE", "category": "prepared", "text": "PREPARE purge AS DELETE FROM orders", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [], "functions": [], "writes": [{"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": [], "prepared_name": "purge"}]}

# SELECT 1; DELETE FROM orders
select_then_delete_all := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT 1", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}, {"command": "DELETE", "category": "dml", "text": "DELETE FROM orders", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [], "functions": [], "writes": [{"command": "DELETE", "table": {"schema": null, "name": "orders"}, "where_bounded": false}], "where_bounded": false, "dynamic_sql": false, "dynamic_reasons": []}]}

# CREATE TABLE audit_notes (id int, note text)
create_table := {"kind": "sql", "statements": [{"command": "CREATE TABLE", "category": "ddl", "text": "CREATE TABLE audit_notes (id int, note text)", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# GRANT SELECT ON users TO analyst
grant := {"kind": "sql", "statements": [{"command": "GRANT", "category": "dcl", "text": "GRANT SELECT ON users TO analyst", "tables": [{"schema": null, "name": "users", "access": "ddl"}], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# TRUNCATE public.orders, users
truncate := {"kind": "sql", "statements": [{"command": "TRUNCATE", "category": "dml", "text": "TRUNCATE public.orders, users", "tables": [{"schema": "public", "name": "orders", "access": "write"}, {"schema": null, "name": "users", "access": "write"}], "columns": [], "functions": [], "writes": [{"command": "TRUNCATE", "table": {"schema": "public", "name": "orders"}, "where_bounded": null}, {"command": "TRUNCATE", "table": {"schema": null, "name": "users"}, "where_bounded": null}], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# BEGIN
begin := {"kind": "sql", "statements": [{"command": "BEGIN", "category": "transaction", "text": "BEGIN", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT * FROM users
select_star := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT * FROM users", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "*", "usage": "output"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT u.email AS contact FROM public.users AS u WHERE u.id = 7
select_email_alias := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT u.email AS contact FROM public.users AS u WHERE u.id = 7", "tables": [{"schema": "public", "name": "users", "access": "read"}], "columns": [{"table": {"schema": "public", "name": "users"}, "column": "id", "usage": "filter"}, {"table": {"schema": "public", "name": "users"}, "column": "email", "usage": "output"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT id, name FROM users
select_name := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT id, name FROM users", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "id", "usage": "output"}, {"table": {"schema": null, "name": "users"}, "column": "name", "usage": "output"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT email, ssn FROM archive.users
select_archive := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT email, ssn FROM archive.users", "tables": [{"schema": "archive", "name": "users", "access": "read"}], "columns": [{"table": {"schema": "archive", "name": "users"}, "column": "email", "usage": "output"}, {"table": {"schema": "archive", "name": "users"}, "column": "ssn", "usage": "output"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT id FROM users WHERE ssn LIKE '123%'
select_filter_ssn := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT id FROM users WHERE ssn LIKE '123%'", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "ssn", "usage": "filter"}, {"table": {"schema": null, "name": "users"}, "column": "id", "usage": "output"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT upper(ssn) FROM users
select_upper_ssn := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT upper(ssn) FROM users", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "ssn", "usage": "derived"}], "functions": ["upper"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT row_to_json(u) FROM users u
select_row_to_json := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT row_to_json(u) FROM users u", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "u", "usage": "derived"}, {"table": {"schema": null, "name": "users"}, "column": "*", "usage": "derived"}], "functions": ["row_to_json"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SELECT ssn FROM lookup_people()
select_from_function := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT ssn FROM lookup_people()", "tables": [], "columns": [{"table": null, "column": "ssn", "usage": "output"}], "functions": ["lookup_people"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# COPY users TO STDOUT
copy_users_stdout := {"kind": "sql", "statements": [{"command": "COPY", "category": "query", "text": "COPY users TO STDOUT", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "*", "usage": "derived"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "copy": {"direction": "to", "endpoint": "stdio"}}]}

# EXPLAIN SELECT upper(ssn) FROM users
explain_upper_ssn := {"kind": "sql", "statements": [{"command": "EXPLAIN", "category": "utility", "text": "EXPLAIN SELECT upper(ssn) FROM users", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "ssn", "usage": "derived"}], "functions": ["upper"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "explain": {"analyze": false}}]}

# EXECUTE find_user(7)
execute := {"kind": "sql", "statements": [{"command": "EXECUTE", "category": "prepared", "text": "EXECUTE find_user(7)", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "prepared_name": "find_user"}]}

# FETCH 10 FROM people
fetch := {"kind": "sql", "statements": [{"command": "FETCH", "category": "cursor", "text": "FETCH 10 FROM people", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "cursor_name": "people"}]}

# DO $$BEGIN DELETE FROM orders; END$$
do_block := {"kind": "sql", "statements": [{"command": "DO", "category": "utility", "text": "DO $$BEGIN DELETE FROM orders; END$$", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": true, "dynamic_reasons": ["DO block runs procedural code"]}]}

# SELECT query_to_xml('SELECT ssn FROM users', true, false, '')
query_to_xml := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT query_to_xml('SELECT ssn FROM users', true, false, '')", "tables": [], "columns": [], "functions": ["query_to_xml"], "writes": [], "where_bounded": null, "dynamic_sql": true, "dynamic_reasons": ["function query_to_xml runs SQL text"]}]}

# COPY users (id, name) TO '/tmp/users.csv'
copy_to_file := {"kind": "sql", "statements": [{"command": "COPY", "category": "query", "text": "COPY users (id, name) TO '/tmp/users.csv'", "tables": [{"schema": null, "name": "users", "access": "read"}], "columns": [{"table": {"schema": null, "name": "users"}, "column": "id", "usage": "derived"}, {"table": {"schema": null, "name": "users"}, "column": "name", "usage": "derived"}], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "copy": {"direction": "to", "endpoint": "file"}}]}

# COPY orders FROM PROGRAM 'curl -s https://example.com/orders.csv'
copy_from_program := {"kind": "sql", "statements": [{"command": "COPY", "category": "dml", "text": "COPY orders FROM PROGRAM 'curl -s https://example.com/orders.csv'", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [{"table": {"schema": null, "name": "orders"}, "column": "*", "usage": "write"}], "functions": [], "writes": [{"command": "COPY", "table": {"schema": null, "name": "orders"}, "where_bounded": null}], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "copy": {"direction": "from", "endpoint": "program"}}]}

# COPY orders FROM STDIN
copy_from_stdin := {"kind": "sql", "statements": [{"command": "COPY", "category": "dml", "text": "COPY orders FROM STDIN", "tables": [{"schema": null, "name": "orders", "access": "write"}], "columns": [{"table": {"schema": null, "name": "orders"}, "column": "*", "usage": "write"}], "functions": [], "writes": [{"command": "COPY", "table": {"schema": null, "name": "orders"}, "where_bounded": null}], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "copy": {"direction": "from", "endpoint": "stdio"}}]}

# SELECT pg_read_file('/etc/passwd')
read_file := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT pg_read_file('/etc/passwd')", "tables": [], "columns": [], "functions": ["pg_read_file"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SET ROLE postgres
set_role := {"kind": "sql", "statements": [{"command": "SET", "category": "session", "text": "SET ROLE postgres", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "setting": {"name": "role", "value": "postgres"}}]}

# SET SESSION AUTHORIZATION postgres
set_session_authorization := {"kind": "sql", "statements": [{"command": "SET", "category": "session", "text": "SET SESSION AUTHORIZATION postgres", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "setting": {"name": "session_authorization", "value": "postgres"}}]}

# RESET ROLE
reset_role := {"kind": "sql", "statements": [{"command": "RESET", "category": "session", "text": "RESET ROLE", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "setting": {"name": "role", "value": null}}]}

# SET ROLE NONE
set_role_none := {"kind": "sql", "statements": [{"command": "SET", "category": "session", "text": "SET ROLE NONE", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "setting": {"name": "role", "value": "none"}}]}

# SELECT pg_catalog.set_config('role', 'postgres', false)
set_config := {"kind": "sql", "statements": [{"command": "SELECT", "category": "query", "text": "SELECT pg_catalog.set_config('role', 'postgres', false)", "tables": [], "columns": [], "functions": ["pg_catalog.set_config"], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": []}]}

# SET search_path = public
set_search_path := {"kind": "sql", "statements": [{"command": "SET", "category": "session", "text": "SET search_path = public", "tables": [], "columns": [], "functions": [], "writes": [], "where_bounded": null, "dynamic_sql": false, "dynamic_reasons": [], "setting": {"name": "search_path", "value": "public"}}]}
