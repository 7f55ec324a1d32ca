import type { Identity } from "../../engine/policy/types.js";

/** In the default policy's reader group: sees every column as stored, so no statement is masked. */
export const READER: Identity = { subject: "reader@bench.test", issuer: "https://idp.bench.test", groups: ["engineering", "pii-readers"], kind: "human", claims: {} };

/** Outside the reader group: the default policy masks `users.email` (redact) and `users.ssn` (partial) for them. */
export const ANALYST: Identity = { subject: "analyst@bench.test", issuer: "https://idp.bench.test", groups: ["engineering"], kind: "human", claims: {} };

export const BENCH_IDENTITIES = { reader: READER, analyst: ANALYST } as const;
export type BenchIdentity = keyof typeof BENCH_IDENTITIES;
