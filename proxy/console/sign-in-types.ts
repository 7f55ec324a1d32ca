import type { Identity } from "../../engine/policy/types.js";

/** What sign-in and the console sessions hand each other (type-only, so neither imports the other). */

/** What the console keeps (in a signed cookie) between sending a person to the provider and their return. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  verifier: string;
  /** The console page to return to. */
  next: string;
}

/** Who signed in, as the id token at sign-in said. */
export interface SignInResult {
  identity: Identity;
  /** The id token's `jti`: revoking that token ends the session too. */
  tokenId?: string | undefined;
}
