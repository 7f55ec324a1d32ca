/**
 * Documents the engine hands out from its caches (action documents, decisions) are shared between
 * requests instead of copied for each one. Sharing is only safe when no holder can change what another
 * holder sees, so every shared document is frozen all the way down: a write to one throws a TypeError
 * (every module here is strict), which the gate turns into a denial, instead of silently changing a
 * cached decision.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || deeplyFrozen.has(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  Object.freeze(value);
  deeplyFrozen.add(value);
  return value;
}

/** Objects frozen with everything they hold (an object frozen only at its top is not in it). */
const deeplyFrozen = new WeakSet<object>();

const ids = new WeakMap<object, number>();
/** Numbers by JSON, so objects of equal content share one. Bounded: emptied when full (numbers are never reused). */
const byJson = new Map<string, number>();
const MAX_JSON_IDS = 65536;
let lastId = 0;

/**
 * A number standing for `value`'s JSON: objects of equal JSON share it, and it never stands for other
 * JSON. The object is frozen (deeply) the first time, so what it holds then, it holds for good, and it
 * is serialized only that once. For keying what was decided on the parts of a policy input that last
 * a whole session (its identity, its session, its target) by a few characters instead of their JSON.
 */
export function frozenId(value: object): number {
  let id = ids.get(value);
  if (id === undefined) {
    deepFreeze(value);
    id = jsonNumber(JSON.stringify(value));
    ids.set(value, id);
  }
  return id;
}

/** The number standing for `json`: equal texts share it, and it never stands for another text. */
export function jsonNumber(json: string): number {
  let id = byJson.get(json);
  if (id === undefined) {
    if (byJson.size >= MAX_JSON_IDS) byJson.clear();
    id = ++lastId;
    byJson.set(json, id);
  }
  return id;
}
