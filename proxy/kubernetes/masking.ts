import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";
import type { Decision, JsonMaskRule } from "../../engine/policy/types.js";
import { JsonMasker, jsonAccept, type MaskValue } from "./json-masking.js";

export { jsonAccept };

/** The decision's masks that address JSON (a decision for a Kubernetes request names no columns). */
export function jsonMaskRules(decision: Decision): JsonMaskRule[] {
  return (decision.mask ?? []).filter((rule): rule is JsonMaskRule => "json_path" in rule);
}

/**
 * The transform a masked response goes through: event by event for a watch, whole otherwise. A
 * response that is not JSON (the apiserver ignored the Accept the gateway set) cannot be masked and is
 * cut off with an error instead of passed on.
 */
export function maskingTransform(response: IncomingMessage, rules: JsonMaskRule[], mask: MaskValue, watch: boolean): Transform {
  const type = String(response.headers["content-type"] ?? "");
  const encoding = String(response.headers["content-encoding"] ?? "identity");
  if (!/^application\/json\b/i.test(type) || encoding !== "identity") {
    return new Transform({
      transform(_chunk, _encoding, done) {
        done(new Error(`a response to mask is ${type || "untyped"} (${encoding}), not plain JSON`));
      },
    });
  }
  return new JsonMasker(rules, mask, watch || /stream=watch/i.test(type) ? "lines" : "whole");
}
