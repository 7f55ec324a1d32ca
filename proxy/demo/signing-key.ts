import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";

/**
 * One of the identity provider's signing keys. The private half is handed to tests on purpose: with
 * the provider's real key they can forge tokens that are validly signed but wrong in one other way
 * (expired, wrong audience, …), which is the only way to test those rejections one at a time.
 */
export interface SigningKey {
  kid: string;
  alg: "RS256";
  privateKey: CryptoKey;
  /** The private JWK (with kid, alg, use) exactly as given to oidc-provider's `jwks`. */
  privateJwk: JWK;
  /** The public JWK as the provider publishes it at its jwks_uri. */
  publicJwk: JWK;
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `demo-${randomUUID().slice(0, 8)}`;
  const meta = { kid, alg: "RS256", use: "sig" } as const;
  return {
    kid,
    alg: "RS256",
    privateKey,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}
