import type { StatementCategory } from "./types.js";

/**
 * Command tags and categories for statements that need no deeper analysis than "which relations do they
 * name". Node types absent here are named from their parse-node type and classed `other`, which the
 * default policy treats as unknown (fail closed).
 */
export const UTILITY_COMMANDS: Readonly<Record<string, { command: string; category: StatementCategory }>> = {
  CreateStmt: { command: "CREATE TABLE", category: "ddl" },
  CreateTableSpaceStmt: { command: "CREATE TABLESPACE", category: "other" },
  DropTableSpaceStmt: { command: "DROP TABLESPACE", category: "other" },
  SecLabelStmt: { command: "SECURITY LABEL", category: "ddl" },
  CreateTableAsStmt: { command: "CREATE TABLE AS", category: "ddl" },
  ViewStmt: { command: "CREATE VIEW", category: "ddl" },
  IndexStmt: { command: "CREATE INDEX", category: "ddl" },
  AlterTableStmt: { command: "ALTER TABLE", category: "ddl" },
  RenameStmt: { command: "ALTER RENAME", category: "ddl" },
  DropStmt: { command: "DROP", category: "ddl" },
  CreateSchemaStmt: { command: "CREATE SCHEMA", category: "ddl" },
  CreateSeqStmt: { command: "CREATE SEQUENCE", category: "ddl" },
  AlterSeqStmt: { command: "ALTER SEQUENCE", category: "ddl" },
  CreateFunctionStmt: { command: "CREATE FUNCTION", category: "ddl" },
  AlterFunctionStmt: { command: "ALTER FUNCTION", category: "ddl" },
  CreateTrigStmt: { command: "CREATE TRIGGER", category: "ddl" },
  CreateEventTrigStmt: { command: "CREATE EVENT TRIGGER", category: "ddl" },
  RuleStmt: { command: "CREATE RULE", category: "ddl" },
  CreateExtensionStmt: { command: "CREATE EXTENSION", category: "ddl" },
  AlterExtensionStmt: { command: "ALTER EXTENSION", category: "ddl" },
  CreateDomainStmt: { command: "CREATE DOMAIN", category: "ddl" },
  CompositeTypeStmt: { command: "CREATE TYPE", category: "ddl" },
  CreateEnumStmt: { command: "CREATE TYPE", category: "ddl" },
  AlterEnumStmt: { command: "ALTER TYPE", category: "ddl" },
  DefineStmt: { command: "CREATE", category: "ddl" },
  CommentStmt: { command: "COMMENT", category: "ddl" },
  AlterOwnerStmt: { command: "ALTER OWNER", category: "ddl" },
  AlterObjectSchemaStmt: { command: "ALTER SET SCHEMA", category: "ddl" },
  CreatePolicyStmt: { command: "CREATE POLICY", category: "ddl" },
  AlterPolicyStmt: { command: "ALTER POLICY", category: "ddl" },
  CreatedbStmt: { command: "CREATE DATABASE", category: "ddl" },
  DropdbStmt: { command: "DROP DATABASE", category: "ddl" },
  AlterDatabaseStmt: { command: "ALTER DATABASE", category: "ddl" },
  AlterDatabaseSetStmt: { command: "ALTER DATABASE", category: "ddl" },
  CreateForeignTableStmt: { command: "CREATE FOREIGN TABLE", category: "ddl" },
  CreateFdwStmt: { command: "CREATE FOREIGN DATA WRAPPER", category: "ddl" },
  CreateForeignServerStmt: { command: "CREATE SERVER", category: "ddl" },
  CreateUserMappingStmt: { command: "CREATE USER MAPPING", category: "ddl" },
  ImportForeignSchemaStmt: { command: "IMPORT FOREIGN SCHEMA", category: "ddl" },
  CreatePublicationStmt: { command: "CREATE PUBLICATION", category: "ddl" },
  CreateSubscriptionStmt: { command: "CREATE SUBSCRIPTION", category: "ddl" },
  CreateStatsStmt: { command: "CREATE STATISTICS", category: "ddl" },
  RefreshMatViewStmt: { command: "REFRESH MATERIALIZED VIEW", category: "ddl" },
  AlterDefaultPrivilegesStmt: { command: "ALTER DEFAULT PRIVILEGES", category: "dcl" },
  GrantRoleStmt: { command: "GRANT ROLE", category: "dcl" },
  CreateRoleStmt: { command: "CREATE ROLE", category: "dcl" },
  AlterRoleStmt: { command: "ALTER ROLE", category: "dcl" },
  AlterRoleSetStmt: { command: "ALTER ROLE", category: "dcl" },
  DropRoleStmt: { command: "DROP ROLE", category: "dcl" },
  ReassignOwnedStmt: { command: "REASSIGN OWNED", category: "dcl" },
  DropOwnedStmt: { command: "DROP OWNED", category: "dcl" },
  TruncateStmt: { command: "TRUNCATE", category: "dml" },
  LockStmt: { command: "LOCK", category: "dml" },
  VacuumStmt: { command: "VACUUM", category: "utility" },
  ClusterStmt: { command: "CLUSTER", category: "utility" },
  ReindexStmt: { command: "REINDEX", category: "utility" },
  CheckPointStmt: { command: "CHECKPOINT", category: "utility" },
  LoadStmt: { command: "LOAD", category: "utility" },
  ListenStmt: { command: "LISTEN", category: "session" },
  UnlistenStmt: { command: "UNLISTEN", category: "session" },
  NotifyStmt: { command: "NOTIFY", category: "session" },
  DiscardStmt: { command: "DISCARD", category: "session" },
  VariableShowStmt: { command: "SHOW", category: "session" },
  ConstraintsSetStmt: { command: "SET CONSTRAINTS", category: "transaction" },
  FetchStmt: { command: "FETCH", category: "cursor" },
  ClosePortalStmt: { command: "CLOSE", category: "cursor" },
  DeallocateStmt: { command: "DEALLOCATE", category: "prepared" },
  DoStmt: { command: "DO", category: "utility" },
  CallStmt: { command: "CALL", category: "utility" },
};

/** Relation-naming object types of DROP, GRANT and friends (`OBJECT_TABLE` …). */
export const RELATION_OBJECT_TYPES: ReadonlySet<string> = new Set([
  "OBJECT_TABLE",
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_INDEX",
  "OBJECT_SEQUENCE",
  "OBJECT_FOREIGN_TABLE",
]);

/** BEGIN, COMMIT… from a TransactionStmt's `kind`. */
export const TRANSACTION_COMMANDS: Readonly<Record<string, string>> = {
  TRANS_STMT_BEGIN: "BEGIN",
  TRANS_STMT_START: "BEGIN",
  TRANS_STMT_COMMIT: "COMMIT",
  TRANS_STMT_ROLLBACK: "ROLLBACK",
  TRANS_STMT_SAVEPOINT: "SAVEPOINT",
  TRANS_STMT_RELEASE: "RELEASE",
  TRANS_STMT_ROLLBACK_TO: "ROLLBACK TO SAVEPOINT",
  TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
  TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
  TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
};

/** `DropStmt` → `DROP TABLE` when the object type is known. */
export function objectCommand(prefix: string, objectType: string | undefined): string {
  if (!objectType || !objectType.startsWith("OBJECT_")) return prefix;
  return `${prefix} ${objectType.slice("OBJECT_".length).replace(/_/g, " ")}`;
}

/** Fallback tag from a parse-node type: `CreateConversionStmt` → `CREATE CONVERSION`. */
export function commandFromNodeType(type: string): string {
  return type
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}
