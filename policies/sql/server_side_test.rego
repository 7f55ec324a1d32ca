package portcullis.sql_test

import data.portcullis.sql
import data.portcullis.test.fixtures as fx

test_copy_to_a_server_file_is_denied if {
	reasons := sql.deny with input as fx.request(fx.copy_to_file, fx.alice, fx.staging)
	reasons == {"COPY TO FILE runs on the database server and is reserved to admins (dba)"}
}

test_copy_from_a_server_program_is_denied if {
	reasons := sql.deny with input as fx.request(fx.copy_from_program, fx.ci, fx.staging)
	reasons == {"COPY FROM PROGRAM runs on the database server and is reserved to admins (dba)"}
}

test_admins_may_copy_server_files if {
	count(sql.deny) == 0 with input as fx.request(fx.copy_from_program, fx.dba, fx.prod)
}

test_copy_through_the_client_is_not_concerned if {
	count(sql.deny) == 0 with input as fx.request(fx.copy_from_stdin, fx.ci, fx.prod)
}

test_server_file_function_is_denied if {
	reasons := sql.deny with input as fx.request(fx.read_file, fx.alice, fx.staging)
	reasons == {"function pg_read_file reaches the database server's files and is reserved to admins (dba)"}
}

test_admins_may_read_server_files if {
	count(sql.deny) == 0 with input as fx.request(fx.read_file, fx.dba, fx.staging)
}

test_without_admin_groups_nobody_copies_server_files if {
	reasons := sql.deny with input as fx.request(fx.copy_from_program, fx.dba, fx.staging)
		with data.settings.server_side.admin_groups as []
	reasons == {"COPY FROM PROGRAM runs on the database server and is reserved to admins (none configured)"}
}
