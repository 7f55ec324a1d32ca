import type * as OidcProvider from "oidc-provider";

const UNSUPPORTED_RUNTIME = "oidc-provider WARNING: Unsupported runtime.";

let loaded: Promise<typeof OidcProvider> | undefined;

/**
 * Imports oidc-provider once. On import it warns that only Node.js 22+ LTS is supported; Portcullis
 * runs on Node.js 20 (package.json engines) and the provider's flows used here are exercised by
 * test/identity on it, so that one line is filtered while the module loads; every other warning
 * still prints.
 */
export function loadOidcProvider(): Promise<typeof OidcProvider> {
  loaded ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === "string" && args[0].includes(UNSUPPORTED_RUNTIME)) return;
      warn(...args);
    };
    try {
      return await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  })();
  return loaded;
}
