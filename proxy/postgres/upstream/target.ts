// A target is configuration: its shape lives with the config loader that resolves it.
export type { PostgresTarget } from "../../../engine/config/types.js";
