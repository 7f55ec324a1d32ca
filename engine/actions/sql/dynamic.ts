/**
 * PostgreSQL functions (core and common contrib) that execute SQL text or read a relation named by a
 * string, so the statement runs SQL the gateway never sees. Matched on the unqualified, lower-case name.
 * Sources: the PostgreSQL manual, "XML Functions" (query_to_xml and family), "Text Search Functions"
 * (ts_stat, ts_rewrite), and the dblink and tablefunc modules.
 */
export const DYNAMIC_SQL_FUNCTIONS: ReadonlySet<string> = new Set([
  "query_to_xml",
  "query_to_xmlschema",
  "query_to_xml_and_xmlschema",
  "cursor_to_xml",
  "cursor_to_xmlschema",
  "table_to_xml",
  "table_to_xmlschema",
  "table_to_xml_and_xmlschema",
  "schema_to_xml",
  "schema_to_xmlschema",
  "schema_to_xml_and_xmlschema",
  "database_to_xml",
  "database_to_xmlschema",
  "database_to_xml_and_xmlschema",
  "ts_stat",
  "ts_rewrite",
  "dblink",
  "dblink_exec",
  "dblink_open",
  "dblink_fetch",
  "dblink_send_query",
  "dblink_get_result",
  "crosstab",
  "crosstab2",
  "crosstab3",
  "crosstab4",
  "connectby",
]);
