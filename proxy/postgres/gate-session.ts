import type { GateCaller } from "../gate/types.js";
import type { RequestGate } from "../gate/request-gate.js";
import type { PostgresTarget } from "./upstream/target.js";

/** A PostgreSQL session as the gate knows it: the caller, its target's configuration, and its gate. */
export interface GateSession extends GateCaller {
  target: PostgresTarget;
  /** The target server's major version, as it reported `server_version` at login. */
  serverMajor?: number;
  /** The session's request gate: every request is decided, approved and recorded through it. */
  gate: RequestGate;
}
