package portcullis.lib.settings_test

import data.portcullis.lib.settings

# Without data.settings every value falls back to its default.
test_defaults_without_settings if {
	settings.masking_columns == [] with data.settings as {}
	settings.masking_readers == [] with data.settings as {}
	settings.approval_environments == [] with data.settings as {}
	settings.approval_categories == ["ddl", "dcl"] with data.settings as {}
	settings.approval_write_commands == ["TRUNCATE"] with data.settings as {}
	settings.approvers == [] with data.settings as {}
	settings.approval_ttl_seconds == 900 with data.settings as {}
	settings.approval_modes == {"human": "hold", "service": "ticket"} with data.settings as {}
	settings.dynamic_sql_denied_kinds == ["service"] with data.settings as {}
	settings.admin_groups == [] with data.settings as {}
	settings.server_side_functions == [] with data.settings as {}
	settings.locked_settings == ["role", "session_authorization"] with data.settings as {}
	settings.setting_functions == ["set_config"] with data.settings as {}
}

test_shipped_settings if {
	settings.masking_readers == ["pii-readers"]
	settings.approval_environments == ["prod"]
	settings.approvers == ["group:dba"]
	"pg_read_file" in settings.server_side_functions
}
