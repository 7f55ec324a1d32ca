/** The request gate every proxy uses, and the types proxies and the gateway share. */
export { RequestGate, type GateOptions } from "./request-gate.js";
export type * from "./types.js";
