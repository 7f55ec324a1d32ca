import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PortcullisError } from "../errors.js";
import { resolveSecret } from "../credentials/secret-source.js";
import type { ConfigFile, GatewayConfig, KubernetesTarget, KubernetesTargetFile } from "./types.js";

/** A Kubernetes target with its upstream credentials read: a token, or a client certificate and key; one of them is required. */
export function kubernetesTarget(t: KubernetesTargetFile, baseDir: string, env: NodeJS.ProcessEnv, source: string): KubernetesTarget {
  const read = (file: string): string => readFileSync(resolve(baseDir, file), "utf8");
  if ((t.client_cert_file === undefined) !== (t.client_key_file === undefined)) throw new PortcullisError("CONFIG_INVALID", `${source}: target ${t.name} needs both client_cert_file and client_key_file`);
  if (t.token === undefined && t.client_cert_file === undefined) throw new PortcullisError("CONFIG_INVALID", `${source}: target ${t.name} needs the gateway's own credential upstream: token, or client_cert_file and client_key_file`);
  const target: KubernetesTarget = { type: "kubernetes", name: t.name, tags: t.tags ?? {}, server: t.server.replace(/\/+$/, ""), impersonateExtra: t.impersonate_extra ?? {} };
  if (t.ca_file) target.ca = read(t.ca_file);
  if (t.token !== undefined) target.token = resolveSecret(t.token, baseDir, `target ${t.name} token`, env);
  if (t.client_cert_file && t.client_key_file) {
    target.clientCert = read(t.client_cert_file);
    target.clientKey = read(t.client_key_file);
  }
  return target;
}

/** The `kubernetes` section: the listener's certificate files, both or neither. */
export function kubernetesSection(file: ConfigFile, baseDir: string, source: string): GatewayConfig["kubernetes"] {
  const tls = file.kubernetes?.tls ?? {};
  if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) throw new PortcullisError("CONFIG_INVALID", `${source}: kubernetes.tls needs both cert_file and key_file`);
  return { tls: tls.cert_file && tls.key_file ? { certFile: resolve(baseDir, tls.cert_file), keyFile: resolve(baseDir, tls.key_file) } : {} };
}
