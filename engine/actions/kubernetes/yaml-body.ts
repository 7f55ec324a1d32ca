/**
 * YAML request bodies read as the apiserver reads them. Its YAML reader (sigs.k8s.io/yaml over
 * go-yaml v2) resolves plain scalars by YAML 1.1 and Go's own number parsing: `yes`, `on` and `y` are
 * true; `0o0`, `0X0`, `0B0` and `00` are 0 (strconv.ParseInt with base 0); `<<` merges a mapping.
 * Read as YAML 1.2 those would be strings, and `hostNetwork: yes` a pod on the host network the
 * policy never saw. What this reader cannot be sure it resolves the same way is refused: any warning
 * (an unresolved tag such as `!!float`), a timestamp (go-yaml makes it a time the JSON conversion
 * prints in its own format), more than one document, repeated keys.
 * https://github.com/kubernetes-sigs/yaml, https://yaml.org/type/
 */
import { parseDocument, type ScalarTag } from "yaml";

/** Go's base-prefixed integers that YAML 1.1's own patterns leave as strings (`0o17`, `0X1F`, `0B1`, signed). */
const goPrefixedInt: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  format: "GO",
  default: true,
  identify: () => false,
  test: /^[-+]?0[oObBxX][0-9a-fA-F_]+$/,
  resolve(text: string, onError: (message: string) => void): unknown {
    const sign = text.startsWith("-") ? -1 : 1;
    const unsigned = text.replace(/^[-+]/, "");
    const prefix = unsigned[1]!.toLowerCase();
    const base = prefix === "o" ? 8 : prefix === "b" ? 2 : 16;
    const digits = unsigned.slice(2).replaceAll("_", "");
    const valid = base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9a-fA-F]+$/;
    if (digits === "" || !valid.test(digits)) {
      onError(`${text} is not a number the gateway reads surely`);
      return text;
    }
    return sign * parseInt(digits, base);
  },
};

export type ParsedYaml = { ok: true; value: unknown } | { ok: false; message: string };

export function parseYamlBody(body: string): ParsedYaml {
  // One document, no alias bombs: what the apiserver would accept, read no further than it would.
  const document = parseDocument(body, { uniqueKeys: true, version: "1.1", customTags: (tags) => [goPrefixedInt, ...tags] });
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) return { ok: false, message: `the body is not valid YAML, or not YAML the gateway reads as the apiserver does: ${problem.message.split("\n")[0]}` };
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, message: `the body is not valid YAML: ${(error as Error).message}` };
  }
  const odd = unsureValue(value);
  if (odd) return { ok: false, message: `the body holds ${odd}, which the gateway does not read as the apiserver does; quote it` };
  return { ok: true, value };
}

/** A timestamp, binary or set anywhere in the value (YAML 1.1 types without a JSON twin), described; undefined when none. */
function unsureValue(value: unknown): string | undefined {
  if (value instanceof Date) return `the timestamp ${value.toISOString()}`;
  if (value instanceof Uint8Array) return "a !!binary value";
  if (value instanceof Set || value instanceof Map) return "a YAML set or ordered map";
  if (Array.isArray(value)) {
    for (const item of value) {
      const odd = unsureValue(item);
      if (odd) return odd;
    }
  } else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) {
      const odd = unsureValue(item);
      if (odd) return odd;
    }
  }
  return undefined;
}
