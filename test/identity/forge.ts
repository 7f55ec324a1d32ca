import { createPublicKey, type JsonWebKey } from "node:crypto";
import { base64url, decodeJwt, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from "jose";
import type { RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";

/**
 * Tokens that are wrong in exactly one way. Each starts from what the demo provider itself would sign
 * for its machine client (same issuer, audience, claims and key) and changes one thing, so a rejection
 * can only be due to that change; `forge(idp)` with no changes is the control that must verify.
 */
export const now = (): number => Math.floor(Date.now() / 1000);

export function baseClaims(idp: RunningIdentityProvider): JWTPayload {
  const t = now();
  return { iss: idp.issuer, aud: idp.audience, sub: idp.machineClient.id, iat: t, exp: t + 300, groups: ["ci", "deployers"], repository: "acme/shop" };
}

/** Signed with the provider's current key (RS256, its kid) unless `key`/`kid` say otherwise; `null` drops a claim. */
export async function forge(
  idp: RunningIdentityProvider,
  changes: Record<string, unknown> = {},
  options: { key?: CryptoKey; kid?: string; alg?: string } = {},
): Promise<string> {
  const claims: Record<string, unknown> = { ...baseClaims(idp) };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete claims[name];
    else claims[name] = value;
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? "RS256", kid: options.kid ?? idp.signingKey.kid, typ: "JWT" })
    .sign(options.key ?? idp.signingKey.privateKey);
}

/** `alg: none`: the header says unsigned, and there is no signature. */
export function unsigned(idp: RunningIdentityProvider): string {
  const encode = (value: object): string => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(baseClaims(idp))}.`;
}

/**
 * The key-confusion forgery: an HS256 MAC whose secret is the issuer's *public* key (anyone can fetch
 * it), hoping the verifier feeds that key to HMAC because the header says so.
 */
export async function hmacWithPublicKey(idp: RunningIdentityProvider): Promise<string> {
  const pem = createPublicKey({ key: idp.signingKey.publicJwk as JsonWebKey, format: "jwk" }).export({ type: "spki", format: "pem" });
  return new SignJWT(baseClaims(idp)).setProtectedHeader({ alg: "HS256", kid: idp.signingKey.kid, typ: "JWT" }).sign(new TextEncoder().encode(String(pem)));
}

/** A real token with its payload swapped for a more generous one, keeping the original signature. */
export function tampered(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split(".");
  const payload = { ...decodeJwt(token), ...changes };
  return `${header}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
}

/** A private key no issuer knows: tokens signed with it under a made-up kid name an unknown key. */
export async function strangerKey(): Promise<CryptoKey> {
  return (await generateKeyPair("RS256")).privateKey;
}
