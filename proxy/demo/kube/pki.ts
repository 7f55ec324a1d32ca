import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";

/** The files a throwaway cluster's TLS and service-account tokens need, all inside its temporary directory. */
export interface ClusterPki {
  caCertPem: string;
  caCertFile: string;
  caKeyFile: string;
  /** One serving certificate for 127.0.0.1/localhost, used by the apiserver and by kwok's kubelet endpoint. */
  servingCertFile: string;
  servingKeyFile: string;
  serviceAccountKeyFile: string;
  serviceAccountPublicKeyFile: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A fresh CA, a serving certificate it signs, and a service-account signing key. EC P-256 throughout:
 * an RSA key costs tens of milliseconds more each, and both Go and Node accept P-256.
 */
export async function makeClusterPki(dir: string): Promise<ClusterPki> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 2 * DAY_MS);
  const ca = await generate([{ name: "commonName", value: "portcullis-test-cluster-ca" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const serving = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] },
    ],
  });
  const serviceAccount = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const files = {
    caCertFile: join(dir, "ca.crt"),
    caKeyFile: join(dir, "ca.key"),
    servingCertFile: join(dir, "serving.crt"),
    servingKeyFile: join(dir, "serving.key"),
    serviceAccountKeyFile: join(dir, "service-account.key"),
    serviceAccountPublicKeyFile: join(dir, "service-account.pub"),
  };
  writeFileSync(files.caCertFile, pemFile(ca.cert));
  writeFileSync(files.caKeyFile, pemFile(ca.private), { mode: 0o600 });
  // The chain lets a client that only trusts the CA verify the serving certificate.
  writeFileSync(files.servingCertFile, pemFile(serving.cert) + pemFile(ca.cert));
  writeFileSync(files.servingKeyFile, pemFile(serving.private), { mode: 0o600 });
  writeFileSync(files.serviceAccountKeyFile, serviceAccount.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  writeFileSync(files.serviceAccountPublicKeyFile, serviceAccount.publicKey.export({ type: "spki", format: "pem" }));
  return { caCertPem: pemFile(ca.cert), ...files };
}

/**
 * selfsigned ends its PEM blocks without a newline; Go's PEM decoder finds no block in two glued
 * together (`-----END CERTIFICATE----------BEGIN …`), so every block gets its own line end.
 */
function pemFile(pem: string): string {
  return pem.endsWith("\n") ? pem : `${pem}\n`;
}
