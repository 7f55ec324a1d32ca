/** A person who can sign in at the demo identity provider (no password: the demo picks a user). */
export interface DemoUser {
  /** The login name, also the token's `sub`. */
  username: string;
  name: string;
  email: string;
  groups: string[];
}

/**
 * A workload with client credentials. Its access tokens carry `groups` and, like a CI job's OIDC
 * token (GitHub Actions, GitLab CI), the claims that say which pipeline it is.
 */
export interface DemoMachine {
  clientId: string;
  clientSecret: string;
  groups: string[];
  /**
   * Extra claims copied into every access token: a CI job's repository, ref and workflow, or nested ones
   * such as a pod's `kubernetes.io` namespace and service account, or `realm_access.roles`.
   */
  claims: Record<string, unknown>;
}

/** The demo's people. Groups match the default policies (data.json: dba approves, pii-readers see PII). */
export const DEFAULT_USERS: readonly DemoUser[] = [
  { username: "alice", name: "Alice Archer", email: "alice@example.com", groups: ["engineering"] },
  { username: "bob", name: "Bob Baker", email: "bob@example.com", groups: ["engineering", "oncall"] },
  { username: "dana", name: "Dana Diaz", email: "dana@example.com", groups: ["dba", "pii-readers"] },
];

/** The demo's deploy pipeline, shaped like a GitHub Actions workload identity. */
export const DEFAULT_MACHINES: readonly DemoMachine[] = [
  {
    clientId: "ci-deploy",
    clientSecret: "ci-deploy-demo-secret",
    groups: ["ci", "deployers"],
    claims: {
      repository: "acme/shop",
      ref: "refs/heads/main",
      workflow: "deploy",
      job_workflow_ref: "acme/shop/.github/workflows/deploy.yml@refs/heads/main",
      repository_owner: "acme",
      event_name: "push",
    },
  },
];
