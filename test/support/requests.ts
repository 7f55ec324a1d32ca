import type { DecisionRequest } from "../../engine/index.js";

/** A request as the gateway would build it, with overridable identity and target. */
export function sqlRequest(sql: string, overrides: Partial<Omit<DecisionRequest, "request">> = {}): DecisionRequest {
  return {
    identity: { subject: "alice@example.com", issuer: "https://idp.example.com", groups: ["engineering"], kind: "human", claims: {} },
    session: { id: "s-1", protocol: "postgres", client_addr: "127.0.0.1", started_at: "2026-11-23T10:00:00Z" },
    target: { name: "prod-db", type: "postgres", tags: { env: "prod" } },
    request: { kind: "sql", text: sql },
    ...overrides,
  };
}
