import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext, type SecureContext } from "node:tls";
import { generate } from "selfsigned";
import type { GatewayConfig } from "../../engine/config/types.js";

/**
 * The certificate the PostgreSQL listener answers SSLRequest with: the configured files, or on the
 * embedded defaults a self-signed one generated once into the state directory (so clients that pin
 * it keep working across restarts). Undefined when TLS is switched off.
 */
export async function postgresTls(config: GatewayConfig): Promise<{ context: SecureContext; required: boolean } | undefined> {
  const tls = config.postgres.tls;
  if (tls.certFile && tls.keyFile) {
    return { context: createSecureContext({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }), required: tls.required };
  }
  if (!tls.selfSigned) return undefined;
  const pems = await selfSignedPems(config.stateDir);
  return { context: createSecureContext(pems), required: tls.required };
}

/**
 * The gateway's self-signed certificate and key (PEM), generated once into the state directory for
 * localhost and 127.0.0.1, so clients that pin it (a kubeconfig's CA) keep working across restarts.
 */
export async function selfSignedPems(stateDir: string): Promise<{ cert: string; key: string }> {
  const certPath = join(stateDir, "tls-cert.pem");
  const keyPath = join(stateDir, "tls-key.pem");
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    const pems = await generate([{ name: "commonName", value: "portcullis" }], {
      keySize: 2048,
      algorithm: "sha256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] }],
    });
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(certPath, pems.cert);
  }
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8") };
}
