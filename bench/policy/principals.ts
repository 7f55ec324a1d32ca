import type { Identity, SessionInfo, Target } from "../../engine/index.js";

/** Who sends the workload: a person allowed to read PII, an engineer who is not, and a CI job. */
export const IDENTITIES: readonly Identity[] = [
  { subject: "rita@example.com", issuer: "https://id.example.com", groups: ["developers", "pii-readers"], kind: "human", claims: {} },
  { subject: "alice@example.com", issuer: "https://id.example.com", groups: ["developers", "engineering"], kind: "human", claims: {} },
  { subject: "ci-deployer", issuer: "https://ci.example.com", groups: ["deployers"], kind: "service", claims: {} },
];

/** Where it goes: production and staging copies of the same database. */
export const TARGETS: readonly Target[] = [
  { name: "orders-prod", type: "postgres", tags: { env: "prod" } },
  { name: "orders-staging", type: "postgres", tags: { env: "staging" } },
];

/** One session per identity, as the Postgres proxy would open it. */
export function sessionFor(index: number): SessionInfo {
  return { id: `bench-session-${index}`, protocol: "postgres", client_addr: "127.0.0.1", started_at: "2026-01-01T00:00:00Z" };
}
