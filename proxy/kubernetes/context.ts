import type { KubernetesTarget } from "../../engine/config/types.js";
import type { MaskRule } from "../../engine/policy/types.js";
import type { Authentication, GatePorts } from "../gate/types.js";

/**
 * Everything the Kubernetes proxy needs from the rest of the gateway: the request gate's ports
 * (decisions, approvals, the audit record), the targets, and who a bearer token is. The proxy only
 * speaks HTTP: what is allowed and how a value is masked are answered here.
 */
export interface KubernetesGatewayContext extends GatePorts {
  target(name: string): KubernetesTarget | undefined;
  authenticate(token: string, target: string): Promise<Authentication>;
  /** Masks one value by a decision's rule. Throws on an unknown strategy (the response is then cut off). */
  mask(rule: Pick<MaskRule, "strategy" | "keep">, value: string | null): string | null;
}
