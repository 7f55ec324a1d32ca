// The throwaway PostgreSQL server lives with the demo, which starts one too; tests use the same code.
export * from "../../proxy/demo/postgres-server.js";
