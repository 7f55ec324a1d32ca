import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KubernetesTarget } from "../../engine/config/types.js";
import type { Identity } from "../../engine/policy/types.js";
import { impersonationHeaders, upstreamHeaders, upstreamOf } from "../../proxy/kubernetes/upstream.js";

// Who the apiserver is told is asking: only the gateway's own credential, and the caller by
// impersonation; nothing a client sends can change either.

const target: KubernetesTarget = { type: "kubernetes", name: "prod", tags: {}, server: "https://10.0.0.1:6443/prefix", token: "gateway-token", impersonateExtra: { team: "example.com/team", tenant: "tenant" } };
const alice: Identity = { subject: "alice", issuer: "https://id.example.com", groups: ["dev", "oncall"], kind: "human", claims: { team: ["payments", "risk"], tenant: "eu" } };

test("the caller is impersonated: user, groups, and the mapped claims as extras", () => {
  assert.equal(impersonationHeaders(alice, target, undefined), { "impersonate-user": "alice", "impersonate-group": ["dev", "oncall"], "impersonate-extra-example.com%2Fteam": ["payments", "risk"], "impersonate-extra-tenant": ["eu"] });
  assert.equal(impersonationHeaders({ ...alice, groups: [], claims: {} }, target, undefined), { "impersonate-user": "alice" });
});

test("an impersonation the policy allowed is sent as asked, instead of the caller", () => {
  assert.equal(impersonationHeaders(alice, target, { user: "bob", groups: ["ops"], extra: { scopes: ["a"] } }), { "impersonate-user": "bob", "impersonate-group": ["ops"], "impersonate-extra-scopes": ["a"] });
});

test("the client's credentials, impersonation and hop-by-hop headers never go upstream", () => {
  const upstream = upstreamOf(target);
  try {
    const headers = upstreamHeaders(
      { authorization: "Bearer client-token", "impersonate-user": "root", "impersonate-group": "system:masters", "impersonate-extra-x": "y", connection: "keep-alive", host: "gw", "content-length": "5", accept: "application/json", "user-agent": "kubectl/v1.37.2" },
      upstream,
      impersonationHeaders(alice, target, undefined),
    );
    assert.equal(headers, { accept: "application/json", "user-agent": "kubectl/v1.37.2", authorization: "Bearer gateway-token", "impersonate-user": "alice", "impersonate-group": ["dev", "oncall"], "impersonate-extra-example.com%2Fteam": ["payments", "risk"], "impersonate-extra-tenant": ["eu"] });
    assert.equal([upstream.host, upstream.port, upstream.basePath], ["10.0.0.1", 6443, "/prefix"]);
  } finally {
    upstream.agent.destroy();
  }
});

test.run();
