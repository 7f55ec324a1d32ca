import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEFAULT_KUBERNETES_LISTEN, resolveConfig } from "../../engine/config/load.js";
import { targetsOfType } from "../../engine/config/types.js";
import { knownSecrets } from "../../engine/credentials/index.js";
import { PortcullisError } from "../../engine/errors.js";

// Kubernetes targets in the config file: the gateway's own upstream credential from the config (a token
// or a client certificate), the listener's address and certificate, and every secret known to the redactor.

const dir = mkdtempSync(join(tmpdir(), "portcullis-kconf-"));
writeFileSync(join(dir, "ca.pem"), "CA PEM");
writeFileSync(join(dir, "client.pem"), "CLIENT CERT");
writeFileSync(join(dir, "client-key.pem"), "CLIENT KEY 0123");
const cluster = { name: "prod-cluster", type: "kubernetes", tags: { env: "prod" }, server: "https://10.0.0.1:6443/", ca_file: "ca.pem", token: { env: "KUBE_TOKEN" } };

function refused(document: unknown): string {
  try {
    resolveConfig(document, dir, { KUBE_TOKEN: "t" });
  } catch (error) {
    assert.ok(error instanceof PortcullisError && error.code === "CONFIG_INVALID");
    return error.message;
  }
  throw new Error("accepted");
}

test("a kubernetes target with a token: server without its trailing slash, CA read, token resolved", () => {
  const config = resolveConfig({ targets: [cluster] }, dir, { KUBE_TOKEN: "kube-token-1" });
  assert.equal(targetsOfType(config.targets, "kubernetes"), [{ type: "kubernetes", name: "prod-cluster", tags: { env: "prod" }, server: "https://10.0.0.1:6443", impersonateExtra: {}, ca: "CA PEM", token: "kube-token-1" }]);
  assert.equal(config.listen.kubernetes, { host: "127.0.0.1", port: Number(DEFAULT_KUBERNETES_LISTEN.split(":")[1]) });
  assert.equal(config.kubernetes.tls, {});
});

test("a client certificate instead of a token; its key and the token are known secrets", () => {
  const { token: _token, ...withoutToken } = cluster;
  const config = resolveConfig({ targets: [{ ...withoutToken, client_cert_file: "client.pem", client_key_file: "client-key.pem" }, { ...cluster, name: "other" }] }, dir, { KUBE_TOKEN: "kube-token-2" });
  const [byCert] = targetsOfType(config.targets, "kubernetes");
  assert.equal([byCert!.clientCert, byCert!.clientKey, byCert!.token], ["CLIENT CERT", "CLIENT KEY 0123", undefined]);
  assert.equal(knownSecrets(config).sort(), ["CLIENT KEY 0123", "kube-token-2"]);
});

test("a target without an upstream credential, half a certificate, or a non-https server is refused", () => {
  const { token: _token, ...withoutToken } = cluster;
  assert.match(refused({ targets: [withoutToken] }), /needs the gateway's own credential upstream/);
  assert.match(refused({ targets: [{ ...withoutToken, client_cert_file: "client.pem" }] }), /needs both client_cert_file and client_key_file/);
  assert.match(refused({ targets: [{ ...cluster, server: "http://10.0.0.1:8080" }] }), /targets\/0/);
  assert.match(refused({ targets: [cluster], kubernetes: { tls: { cert_file: "x.pem" } } }), /kubernetes.tls needs both/);
});

test("listen.kubernetes and the listener's certificate files are read", () => {
  const config = resolveConfig({ listen: { kubernetes: "127.0.0.1:0" }, kubernetes: { tls: { cert_file: "gw.pem", key_file: "gw-key.pem" } }, targets: [cluster] }, dir, { KUBE_TOKEN: "t" });
  assert.equal(config.listen.kubernetes, { host: "127.0.0.1", port: 0 });
  assert.equal(config.kubernetes.tls, { certFile: join(dir, "gw.pem"), keyFile: join(dir, "gw-key.pem") });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
