/** The engine's public face: start it on a policy directory, then ask it to decide. */
export { Engine, type EngineOptions } from "./engine.js";
export { decide, type DecisionRequest, type Verdict } from "./decide.js";
export { loadNormalizers, normalizeRequest, type RawRequest, type TargetFacts } from "./actions/index.js";
export { CatalogIndex, type SqlCatalog } from "./actions/sql/catalog.js";
export { buildBundle, readBundle, ENTRYPOINT, type PolicyBundle } from "./policy/bundle.js";
export { PolicyEvaluator } from "./policy/evaluator.js";
export { PolicyService, type PolicyStatus, type ReloadResult } from "./policy/policy-service.js";
export { effectOf } from "./policy/types.js";
export type * from "./policy/types.js";
export { PortcullisError, type PortcullisErrorCode } from "./errors.js";
