/**
 * The Kubernetes normalizer: one API request (as its text, see request-text.ts) in, one `kubernetes`
 * action document out (schemas/action.kubernetes.json).
 *
 * ```ts
 * normalizeKubernetes("DELETE /apis/apps/v1/namespaces/demo/deployments/web").verb; // "delete"
 * ```
 */
export { normalizeKubernetes, unreadable } from "./normalize.js";
export { kubernetesRequestText, readKubernetesRequestText, isPolicyHeader, type KubernetesHttpRequest } from "./request-text.js";
export { MAX_BODY_BYTES, mediaType } from "./object-fields.js";
export { quoteArgv } from "./streams.js";
export type { KubernetesAction, KubernetesObjectFields, KubernetesParseError, KubernetesVerb } from "./types.js";
