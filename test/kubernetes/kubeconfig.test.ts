import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeCredentials } from "../../cli/credential-store.js";
import { DEFAULT_LOGIN_SCOPES } from "../../engine/identity/config.js";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { portcullis } from "../support/cli.js";
import { deviceLogin } from "../support/device-login.js";
import { startKubeGateway, type KubeGateway } from "../support/kube-gateway.js";
import { run } from "../support/run.js";

// A person signed in with `portcullis login` runs `portcullis kubeconfig` once; from then on plain
// kubectl works through the gateway: its exec plugin (`portcullis token --kube`) turns the sign-in into
// a short-lived gateway token for each use.

let idp: RunningIdentityProvider;
let kgw: KubeGateway;
let home: string;

test.before(async () => {
  try {
    idp = await startIdentityProvider({ devicePollIntervalSeconds: 1 });
    kgw = await startKubeGateway({
      identity: { issuers: [{ name: "demo", issuer: idp.issuer, audience: idp.humanClientId, kind: "human", groups_claim: "groups", login: { client_id: idp.humanClientId } }] },
    });
    home = mkdtempSync(join(tmpdir(), "portcullis-kubeconfig-"));
    const tokens = await deviceLogin(idp.issuer, idp.humanClientId, DEFAULT_LOGIN_SCOPES, "alice");
    const now = Math.floor(Date.now() / 1000);
    writeCredentials(
      { issuer: idp.issuer, client_id: idp.humanClientId, scope: DEFAULT_LOGIN_SCOPES.join(" "), gateway: kgw.gateway.http.url, id_token: tokens.id_token!, access_token: tokens.access_token, ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}), expires_at: now + (tokens.expires_in ?? 300), obtained_at: now },
      join(home, "credentials.json"),
    );
  } catch (error) {
    console.error("set-up failed:", error);
    throw error;
  }
});

test.after(async () => {
  await kgw?.stop();
  await idp?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ PORTCULLIS_CONFIG_DIR: home });

test("token --kube prints an ExecCredential with the token's expiry", async () => {
  const r = await portcullis(["token", "--kube", "--target", "kind"], { env: env(), unset: ["PORTCULLIS_GATEWAY"] });
  assert.is(r.code, 0, r.stderr);
  const credential = JSON.parse(r.stdout) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
  assert.equal([credential.apiVersion, credential.kind], ["client.authentication.k8s.io/v1", "ExecCredential"]);
  assert.ok(credential.status.token.length > 20);
  assert.ok(Date.parse(credential.status.expirationTimestamp) > Date.now());
});

test("kubectl with the written kubeconfig works with no extra flags, as alice", async () => {
  const file = join(home, "kubeconfig");
  const written = await portcullis(["kubeconfig", "--target", "kind", "--server", kgw.gateway.kubernetes!.url, "--ca-file", join(kgw.dir, "tls-cert.pem"), "--gateway", kgw.gateway.http.url, "--output", file], { env: env() });
  assert.is(written.code, 0, written.stderr);
  const kubectlEnv = { ...process.env, PORTCULLIS_CONFIG_DIR: home, KUBECONFIG: file, KUBECACHEDIR: join(home, "cache") };
  const pods = await run(kgw.cluster.tools.kubectl, ["get", "pods", "-n", kgw.cluster.namespace], kubectlEnv);
  assert.is(pods.code, 0, pods.stderr);
  assert.match(pods.stdout + pods.stderr, "No resources found");
  const who = await run(kgw.cluster.tools.kubectl, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"], kubectlEnv);
  assert.equal([who.code, who.stdout], [0, "alice"], who.stderr);
});

test("kubeconfig needs a target and an https server", async () => {
  const r = await portcullis(["kubeconfig", "--server", "http://x"]);
  assert.is(r.code, 2);
  assert.match(r.stderr, "--target NAME is required");
});

test.run();
