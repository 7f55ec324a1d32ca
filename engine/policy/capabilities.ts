import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * The capabilities file `opa build` is given, so that a builtin the JavaScript WASM SDK cannot run fails
 * the build instead of a request: the SDK's own builtin list, plus the language features OPA v1 needs to
 * parse Rego v1 (the SDK's file predates them and lists no features).
 */
let cached: string | undefined;

export function capabilitiesFile(): string {
  if (cached) return cached;
  const sdkCapabilities = join(sdkPackageDir(), "capabilities.json");
  const capabilities = JSON.parse(readFileSync(sdkCapabilities, "utf8")) as Record<string, unknown>;
  capabilities.features = ["rego_v1", "keywords_in_refs"];
  // Outside the policy directory on purpose: `opa build` would load a JSON file there as data.
  const dir = mkdtempSync(join(tmpdir(), "portcullis-caps-"));
  cached = join(dir, "capabilities.json");
  writeFileSync(cached, JSON.stringify(capabilities));
  return cached;
}

/** The SDK does not export its capabilities.json, so find the package folder from its entry point. */
function sdkPackageDir(): string {
  const require = createRequire(import.meta.url);
  for (let dir = dirname(require.resolve("@open-policy-agent/opa-wasm")); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (manifest.name === "@open-policy-agent/opa-wasm") return dir;
    } catch {
      // no package.json at this level: keep walking up
    }
  }
  throw new Error("cannot find the @open-policy-agent/opa-wasm package folder");
}
