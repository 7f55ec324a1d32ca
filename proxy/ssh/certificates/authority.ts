import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Identity } from "../../../engine/policy/types.js";
import { CERT_TYPE, KEY_TYPE, issueCertificate, optionText, parseCertificate, publicKeyBlob, rawPublicKey, signedBy, verifyKeySignature } from "./user-certificate.js";

/** The extension carrying who the certificate is for, as the identity service verified them at issue. */
export const IDENTITY_EXTENSION = "identity@portcullis";
/** The critical option that scopes a certificate to some targets (from a target-scoped token). */
export const TARGETS_OPTION = "targets@portcullis";
/** What OpenSSH clients expect a user certificate to permit; forwarding stays the policy's to refuse. */
const STANDARD_EXTENSIONS = ["permit-pty"];

export interface IssuedCertificate {
  /** `ssh-ed25519-cert-v01@openssh.com BASE64 KEYID`, the `-cert.pub` file's line. */
  certificate: string;
  serial: string;
  principal: string;
  validBefore: Date;
}

export type CertificateCheck =
  | { ok: true; identity: Identity; serial: string; validAfter: number; validBefore: number; targets?: string[] }
  | { ok: false; code: string; detail: string };

/**
 * The gateway's SSH certificate authority: an ed25519 key made once in the state directory. It
 * issues short-lived user certificates to verified identities (the identity rides in the
 * certificate, signed) and checks them fully at login: the CA's signature, validity, the principal,
 * the critical options it knows (any other refuses the certificate), and the client's signature.
 */
export class SshCertificateAuthority {
  private readonly key: KeyObject;
  readonly publicBlob: Buffer;

  private constructor(key: KeyObject) {
    this.key = key;
    const jwk = createPublicKey(key).export({ format: "jwk" });
    this.publicBlob = publicKeyBlob(Buffer.from(String(jwk.x), "base64url"));
  }

  static open(stateDir: string): SshCertificateAuthority {
    const path = join(stateDir, "ssh_user_ca_ed25519.pem");
    if (!existsSync(path)) {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync("ed25519");
      writeFileSync(path, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
    }
    return new SshCertificateAuthority(createPrivateKey(readFileSync(path)));
  }

  /** The CA's public key as an OpenSSH line (for `TrustedUserCAKeys` or `@cert-authority`). */
  publicKeyLine(): string {
    return `${KEY_TYPE} ${this.publicBlob.toString("base64")} portcullis-user-ca`;
  }

  /** Certifies `publicKeyLine` (an `ssh-ed25519 BASE64 [comment]` line) for `identity` until `validBefore`. */
  issue(identity: Identity, publicKeyLine: string, validBefore: Date, targets?: string[]): IssuedCertificate {
    const [type, base64] = publicKeyLine.trim().split(/\s+/);
    if (type !== KEY_TYPE || base64 === undefined) throw new Error("the public key must be an ssh-ed25519 key (ssh-keygen -t ed25519)");
    const raw = rawPublicKey(Buffer.from(base64, "base64"));
    const serial = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
    const now = BigInt(Math.floor(Date.now() / 1000));
    const critical = new Map<string, Buffer>();
    if (targets && targets.length > 0) critical.set(TARGETS_OPTION, Buffer.from(JSON.stringify(targets)));
    const extensions = new Map<string, Buffer>(STANDARD_EXTENSIONS.map((name) => [name, Buffer.alloc(0)]));
    const { subject, issuer, groups, kind, claims } = identity;
    extensions.set(IDENTITY_EXTENSION, Buffer.from(JSON.stringify({ subject, issuer, groups, kind, claims })));
    const keyId = `${identity.subject} #${serial}`;
    const blob = issueCertificate(
      {
        publicKey: raw,
        serial,
        keyId,
        principals: [identity.subject],
        // A minute back, for clocks a little behind the gateway's.
        validAfter: now - 60n,
        validBefore: BigInt(Math.floor(validBefore.getTime() / 1000)),
        criticalOptions: critical,
        extensions,
        signatureKey: this.publicBlob,
      },
      this.key,
    );
    return { certificate: `${CERT_TYPE} ${blob.toString("base64")} ${keyId.replace(/\s+/g, "_")}`, serial: String(serial), principal: identity.subject, validBefore };
  }

  /**
   * Checks a certificate a client logs in with. `signed`/`signature`: the data the client signed
   * and its signature (absent when the client only asks whether the key would do).
   */
  check(blob: Buffer, proof?: { signed: Buffer; signature: Buffer }, now = Date.now()): CertificateCheck {
    let cert;
    try {
      cert = parseCertificate(blob);
    } catch (error) {
      return { ok: false, code: "bad_certificate", detail: (error as Error).message };
    }
    if (!signedBy(cert, this.publicBlob)) return { ok: false, code: "unknown_ca", detail: "the certificate is not signed by this gateway's CA" };
    const seconds = BigInt(Math.floor(now / 1000));
    if (seconds < cert.validAfter) return { ok: false, code: "not_yet_valid", detail: "the certificate is not valid yet" };
    if (seconds >= cert.validBefore) return { ok: false, code: "expired", detail: "the certificate has expired" };
    const unknown = [...cert.criticalOptions.keys()].filter((name) => name !== TARGETS_OPTION);
    if (unknown.length > 0) return { ok: false, code: "unknown_critical_option", detail: `unknown critical option ${JSON.stringify(unknown[0]!.slice(0, 64))}` };
    let identity: Identity;
    let targets: string[] | undefined;
    try {
      identity = identityOf(optionText(cert.extensions, IDENTITY_EXTENSION));
      const scoped = optionText(cert.criticalOptions, TARGETS_OPTION);
      if (scoped !== undefined) targets = stringList(JSON.parse(scoped));
    } catch (error) {
      return { ok: false, code: "bad_certificate", detail: (error as Error).message };
    }
    if (cert.principals.length !== 1 || cert.principals[0] !== identity.subject) return { ok: false, code: "bad_principal", detail: "the certificate's principal is not its identity's subject" };
    if (proof && !verifyKeySignature(cert, proof.signed, proof.signature)) return { ok: false, code: "bad_signature", detail: "the client's signature does not verify with the certified key" };
    return { ok: true, identity, serial: String(cert.serial), validAfter: Number(cert.validAfter), validBefore: Number(cert.validBefore), ...(targets ? { targets } : {}) };
  }
}

function identityOf(text: string | undefined): Identity {
  if (text === undefined) throw new Error(`the certificate has no ${IDENTITY_EXTENSION} extension`);
  const value = JSON.parse(text) as Partial<Identity>;
  if (typeof value.subject !== "string" || typeof value.issuer !== "string" || typeof value.kind !== "string" || !Array.isArray(value.groups) || value.groups.some((g) => typeof g !== "string")) {
    throw new Error(`the ${IDENTITY_EXTENSION} extension is malformed`);
  }
  const claims = value.claims && typeof value.claims === "object" && !Array.isArray(value.claims) ? value.claims : {};
  return { subject: value.subject, issuer: value.issuer, groups: value.groups, kind: value.kind, claims } as Identity;
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw new Error(`the ${TARGETS_OPTION} option is malformed`);
  return value as string[];
}
