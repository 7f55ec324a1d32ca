import { createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { readOptions, readStringList, SshReader, SshWriter, writeOptions } from "./ssh-wire.js";

/**
 * OpenSSH user certificates for ed25519 keys (PROTOCOL.certkeys in OpenSSH): issued by the gateway's
 * CA for `portcullis ssh login`, and checked fully when a client logs in with one. Only ed25519 keys
 * and an ed25519 CA: that is what the gateway issues, and refusing the rest keeps the check small.
 */
export const CERT_TYPE = "ssh-ed25519-cert-v01@openssh.com";
export const KEY_TYPE = "ssh-ed25519";
const USER_CERT = 1;

export interface UserCertificate {
  publicKey: Buffer;
  serial: bigint;
  keyId: string;
  principals: string[];
  /** Seconds since the epoch. */
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: Map<string, Buffer>;
  extensions: Map<string, Buffer>;
  /** The CA's public key blob (`string "ssh-ed25519" string key`). */
  signatureKey: Buffer;
}

export interface ParsedCertificate extends UserCertificate {
  /** The bytes the CA signed, and its signature over them (the raw 64 bytes). */
  signed: Buffer;
  signature: Buffer;
}

/** The wire blob of an ed25519 public key. */
export function publicKeyBlob(raw: Buffer): Buffer {
  return new SshWriter().string(KEY_TYPE).string(raw).toBuffer();
}

/** The raw 32 bytes of an ed25519 public key blob; throws for anything else. */
export function rawPublicKey(blob: Buffer): Buffer {
  const reader = new SshReader(blob);
  if (reader.text() !== KEY_TYPE) throw new Error("only ssh-ed25519 keys are accepted");
  const raw = reader.string();
  if (raw.length !== 32 || !reader.atEnd) throw new Error("an ssh-ed25519 key is 32 bytes");
  return raw;
}

/** A Node key object for a raw ed25519 public key. */
export function ed25519PublicKey(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
}

/** Issues a user certificate signed by `caKey` (an ed25519 private key whose public blob is `certificate.signatureKey`). */
export function issueCertificate(certificate: UserCertificate, caKey: KeyObject): Buffer {
  const body = new SshWriter()
    .string(CERT_TYPE)
    .string(randomBytes(32))
    .string(certificate.publicKey)
    .uint64(certificate.serial)
    .uint32(USER_CERT)
    .string(certificate.keyId)
    .string(certificate.principals.reduce((w, p) => w.string(p), new SshWriter()).toBuffer())
    .uint64(certificate.validAfter)
    .uint64(certificate.validBefore)
    .string(writeOptions(certificate.criticalOptions))
    .string(writeOptions(certificate.extensions))
    .string(Buffer.alloc(0))
    .string(certificate.signatureKey)
    .toBuffer();
  const signature = new SshWriter().string(KEY_TYPE).string(sign(null, body, caKey)).toBuffer();
  return Buffer.concat([body, new SshWriter().string(signature).toBuffer()]);
}

/** Reads a certificate blob; throws on anything malformed (truncated, trailing bytes, a wrong type). */
export function parseCertificate(blob: Buffer): ParsedCertificate {
  const reader = new SshReader(blob);
  if (reader.text() !== CERT_TYPE) throw new Error(`only ${CERT_TYPE} certificates are accepted`);
  reader.string(); // nonce
  const publicKey = reader.string();
  if (publicKey.length !== 32) throw new Error("the certified key is not an ed25519 key");
  const serial = reader.uint64();
  if (reader.uint32() !== USER_CERT) throw new Error("not a user certificate");
  const keyId = reader.text();
  const principals = readStringList(reader.string());
  const validAfter = reader.uint64();
  const validBefore = reader.uint64();
  const criticalOptions = readOptions(reader.string());
  const extensions = readOptions(reader.string());
  reader.string(); // reserved
  const signatureKey = reader.string();
  const signed = blob.subarray(0, reader.position);
  const signatureBlob = new SshReader(reader.string());
  if (!reader.atEnd) throw new Error("trailing bytes after the signature");
  if (signatureBlob.text() !== KEY_TYPE) throw new Error("the CA signature is not ssh-ed25519");
  const signature = signatureBlob.string();
  if (!signatureBlob.atEnd || signature.length !== 64) throw new Error("the CA signature is malformed");
  return { publicKey, serial, keyId, principals, validAfter, validBefore, criticalOptions, extensions, signatureKey, signed, signature };
}

/** True when `signature` (an SSH signature blob) is the certified key's ed25519 signature over `data`. */
export function verifyKeySignature(certificate: ParsedCertificate, data: Buffer, signatureBlob: Buffer): boolean {
  try {
    const reader = new SshReader(signatureBlob);
    if (reader.text() !== KEY_TYPE) return false;
    const signature = reader.string();
    return reader.atEnd && signature.length === 64 && verify(null, data, ed25519PublicKey(certificate.publicKey), signature);
  } catch {
    return false;
  }
}

/** True when the CA whose public blob is `caBlob` signed the certificate (and the certificate names that CA). */
export function signedBy(certificate: ParsedCertificate, caBlob: Buffer): boolean {
  if (!certificate.signatureKey.equals(caBlob)) return false;
  try {
    return verify(null, certificate.signed, ed25519PublicKey(rawPublicKey(caBlob)), certificate.signature);
  } catch {
    return false;
  }
}

/** An option's value (its data is itself a string); undefined when absent. */
export function optionText(options: Map<string, Buffer>, name: string): string | undefined {
  const data = options.get(name);
  if (data === undefined) return undefined;
  const reader = new SshReader(data);
  const value = reader.text();
  if (!reader.atEnd) throw new Error(`option ${name} has trailing bytes`);
  return value;
}
