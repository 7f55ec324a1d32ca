import { readFileSync } from "node:fs";
import { round } from "../support/stats.js";

/** The parts of a V8 `.cpuprofile` (as `node --cpu-prof` writes it) that the analysis reads. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface RawProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One frame of a sampled stack, leaf first. */
interface Frame {
  name: string;
  url: string;
  line: number;
}

export interface LoadedProfile {
  /** Each sample: when it was taken (µs on the monotonic clock `process.hrtime` reads), how long it stands for, and its stack. */
  samples: Array<{ at: number; weight: number; stack: Frame[] }>;
}

export interface Share {
  name: string;
  ms: number;
  /** Percent of the gateway's busy (non-idle) time in the window. */
  pct: number;
}

export interface WindowProfile {
  label: string;
  seconds: number;
  statements: number;
  busy_ms: number;
  /** Busy time over wall time: 1.0 is one core fully used by the gateway's main thread. */
  cores: number;
  busy_us_per_statement: number;
  stages: Share[];
  self: Share[];
  inclusive: Share[];
}

/** Reads a profile and resolves every sample to its stack once. */
export function loadProfile(path: string): LoadedProfile {
  const raw = JSON.parse(readFileSync(path, "utf8")) as RawProfile;
  const byId = new Map(raw.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of raw.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, Frame[]>();
  const stackOf = (id: number): Frame[] => {
    let stack = stacks.get(id);
    if (stack) return stack;
    stack = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f && f.functionName !== "(root)") stack.push({ name: f.functionName || "(anonymous)", url: f.url, line: f.lineNumber + 1 });
    }
    stacks.set(id, stack);
    return stack;
  };
  // timeDeltas[i] is the gap before sample i, so sample i stands for the gap after it (timeDeltas[i + 1]).
  let at = raw.startTime;
  const samples = raw.samples.map((id, i) => {
    at += raw.timeDeltas[i] ?? 0;
    return { at, weight: raw.timeDeltas[i + 1] ?? raw.timeDeltas[i] ?? 0, stack: stackOf(id) };
  });
  return { samples };
}

/** What part of the gateway a frame belongs to; the nearest classified frame to the leaf names a sample's stage. */
function stageOf(frame: Frame): string | undefined {
  const { name, url } = frame;
  if (name === "(garbage collector)") return "GC";
  if (name === "(program)") return "V8 (program: compiling, runtime)";
  if (url === "" && ["writev", "writeBuffer", "writeUtf8String", "writeLatin1String"].includes(name)) return "socket write syscalls";
  if (/^validate\d+$/.test(name) || url.includes("/node_modules/ajv/") || url.endsWith("/engine/schemas.js")) return "JSON Schema validation (ajv)";
  if (url.includes("/node_modules/libpg-query/")) return "SQL parse: libpg_query (WASM + JSON.parse)";
  if (url.includes("/@open-policy-agent/opa-wasm/") || url.startsWith("wasm://wasm/opa")) return "policy: OPA WASM evaluate";
  if (url.includes("/engine/actions/")) return "SQL analysis → action document";
  if (url.includes("/engine/policy/") || url.endsWith("/engine/decide.js") || url.endsWith("/engine/engine.js")) return "policy: evaluator glue (input, decision)";
  if (url.includes("/engine/masking/") || url.endsWith("/row-masker.js") || url.endsWith("/value-text.js")) return "masking";
  if (url.includes("/engine/audit/") || url.includes("/engine/storage/")) return "audit log";
  if (url.includes("/node_modules/pg") || url.endsWith("/catalog.js")) return "catalog client (pg)";
  if (url.includes("/proxy/postgres/protocol/")) return "wire framing (frame reader, messages)";
  if (url.includes("/proxy/")) return "proxy session / relay";
  if (url.includes("/bench/")) return "bench recorder";
  if (url === "node:internal/stream_base_commons" && name === "onStreamRead") return "socket reads";
  if (/^node:internal\/(streams|stream_base|net)|^node:net$|^node:events$/.test(url)) return "node streams / net";
  if (url.startsWith("node:")) return "node internals";
  return undefined;
}

function where(frame: Frame): string {
  if (frame.url === "") return frame.name;
  const short = frame.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, "$1/");
  return `${frame.name} ${short}:${frame.line}`;
}

function top(map: Map<string, number>, busy: number, n: number): Share[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: round(us / 1000, 0), pct: round((100 * us) / busy, 1) }));
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

/** Where the gateway's CPU went between `fromUs` and `toUs` (monotonic µs), during which it served `statements`. */
export function analyzeWindow(profile: LoadedProfile, label: string, fromUs: number, toUs: number, statements: number): WindowProfile {
  const stages = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const s of profile.samples) {
    if (s.at < fromUs || s.at > toUs) continue;
    const leaf = s.stack[0];
    if (!leaf || leaf.name === "(idle)") continue;
    busy += s.weight;
    add(self, where(leaf), s.weight);
    let stage: string | undefined;
    for (const f of s.stack) if ((stage = stageOf(f))) break;
    add(stages, stage ?? "other", s.weight);
    const seen = new Set<string>();
    for (const f of s.stack) {
      if (!f.url.includes("/dist/") && !f.url.includes("/node_modules/")) continue;
      const key = where(f);
      if (!seen.has(key)) add(inclusive, key, s.weight);
      seen.add(key);
    }
  }
  const seconds = (toUs - fromUs) / 1e6;
  return {
    label,
    seconds: round(seconds, 1),
    statements,
    busy_ms: round(busy / 1000, 0),
    cores: round(busy / 1e6 / seconds, 2),
    busy_us_per_statement: statements > 0 ? round(busy / statements, 1) : Number.NaN,
    stages: top(stages, busy, 20),
    self: top(self, busy, 10),
    inclusive: top(inclusive, busy, 10),
  };
}
