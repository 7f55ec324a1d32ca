/**
 * Whether a compiled policy can read some places of its input: a sound, conservative data-flow analysis
 * of OPA's intermediate representation (`opa build -t plan`, the IR the WASM module is compiled from).
 *
 * The gateway asks it about the statement text in the input (`action.statements[*].text`): that text
 * carries every literal of a statement, so while the policy may read it, two statements differing only
 * in a literal are two inputs and each is evaluated. When the analysis proves the decision cannot depend
 * on those places, decisions are reused by the input without them (decision-cache.ts).
 *
 * Each local of each function is abstracted by the set of input paths its value may be (keys, with `*`
 * for a key or index not known statically, and `**` for "anything"). A value "may be" a watched place
 * when one of its paths can match it, and "may hold" one when a path can be a proper prefix of it. The
 * value of a watched place may only be taken apart (a field of it, a scan over it, a type test) or moved
 * between locals and functions; every other use of a value that may be or hold one counts as a read:
 * a comparison, a builtin's argument (except the few modelled below), a length, a key, an element put
 * into an array, set or object, a `with` replacement, a result. Taking a field of a string, scanning it
 * or testing its type does not depend on its content, so the analysis stays sound there. Anything it
 * does not recognise counts as a read: a wrong "reads" only turns the reuse off.
 */

type Operand = { type: "local"; value: number } | { type: "string_index"; value: number } | { type: "bool"; value: boolean };

interface PlanStmt {
  type: string;
  stmt: Record<string, unknown>;
}

interface PlanBlock {
  stmts: PlanStmt[];
}

interface PlanFunc {
  name: string;
  params: number[];
  return: number;
  blocks: PlanBlock[];
}

/** The parts of `plan.json` the analysis uses. */
export interface PolicyPlan {
  static: { strings?: Array<{ value: string }>; files?: Array<{ value: string }> };
  plans: { plans: Array<{ name: string; blocks: PlanBlock[] }> };
  funcs: { funcs: PlanFunc[] | null };
}

/** A place in the input: object keys, `*` for any key or array index. */
export type InputPlace = readonly string[];

export type PlanReads = { reads: false } | { reads: true; where: string };

/** Paths a local may hold; `**` alone stands for any value from the input. */
type Paths = Set<string>;
const ANY = "**";
const SEP = "\u0000";
/** Paths longer than this are widened to ANY, so loops cannot grow them forever. */
const MAX_DEPTH = 16;

/** Builtins that only test a value's type: their answer never depends on a string's content. */
const TYPE_TESTS = new Set(["is_string", "is_array", "is_object", "is_set", "is_null", "is_number", "is_boolean", "type_name"]);

class Read extends Error {}

/** Whether `entrypoint`'s plan may read any of `places` of its input. */
export function planReads(plan: PolicyPlan, entrypoint: string, places: readonly InputPlace[]): PlanReads {
  const entry = plan.plans.plans.find((p) => p.name === entrypoint);
  if (!entry) return { reads: true, where: `the plan has no entrypoint ${entrypoint}` };
  try {
    new Analysis(plan, places).run(entry.blocks, new Map([[0, new Set([""])]]), `plan ${entrypoint}`);
    return { reads: false };
  } catch (error) {
    if (error instanceof Read) return { reads: true, where: error.message };
    throw error;
  }
}

class Analysis {
  private readonly strings: string[];
  private readonly files: string[];
  private readonly funcs = new Map<string, PlanFunc>();
  private readonly places: string[][];
  private readonly returns = new Map<string, Paths>();

  constructor(plan: PolicyPlan, places: readonly InputPlace[]) {
    this.strings = (plan.static.strings ?? []).map((s) => s.value);
    this.files = (plan.static.files ?? []).map((f) => f.value);
    for (const f of plan.funcs.funcs ?? []) this.funcs.set(f.name, f);
    this.places = places.map((p) => [...p]);
  }

  /**
   * Runs blocks in order from `initial` and returns the paths of what they return. A block may stop at
   * any statement (an undefined one, a break), so what follows it sees the union of every state reached
   * inside it; an assignment replaces a local's paths (the planner reuses locals between rule bodies).
   */
  run(blocks: PlanBlock[], initial: State, context: string): Paths {
    const returned: Paths = new Set();
    let state = initial;
    for (const block of blocks) state = this.block(block.stmts, state, returned, context);
    return returned;
  }

  /** The union of every state reached while running `stmts` from `state`. */
  private block(stmts: PlanStmt[], state: State, returned: Paths, context: string): State {
    let reached = state;
    for (const { type, stmt } of stmts) {
      state = this.step(type, stmt, state, returned, context);
      reached = join(reached, state);
    }
    return reached;
  }

  private step(type: string, s: Record<string, unknown>, state: State, returned: Paths, context: string): State {
    const of = (operand: unknown): Paths => pathsOf(operand, state);
    const local = (n: unknown): Paths => state.get(n as number) ?? NONE;
    const set = (target: unknown, paths: Paths): State => new Map(state).set(target as number, paths);
    const nested = (block: unknown, from: State = state): State => this.block((block as PlanBlock).stmts, from, returned, context);
    const at = (): string => `${context} (${this.files[s.file as number] ?? "?"}:${String(s.row)})`;
    const mustNotTouch = (paths: Paths, what: string): void => {
      for (const p of paths) if (this.touches(p)) throw new Read(`${what} uses a value that may hold the watched input (input.${p.split(SEP).join(".")}), at ${at()}`);
    };
    switch (type) {
      case "AssignVarStmt":
      case "AssignVarOnceStmt":
        return set(s.target, of(s.source));
      case "DotStmt": {
        const key = this.constantKey(s.key as Operand);
        if (key === undefined) mustNotTouch(of(s.key), "a lookup by key");
        return set(s.target, this.extend(of(s.source), key ?? "*"));
      }
      case "ScanStmt": {
        // The body runs any number of times: from the state before it, joined with every state it ends in.
        const element = this.extend(local(s.source), "*");
        let entry = state;
        for (;;) {
          const after = nested(s.block, new Map(entry).set(s.key as number, NONE).set(s.value as number, element));
          const next = join(entry, after);
          if (sameState(next, entry)) return next;
          entry = next;
        }
      }
      case "LenStmt":
        for (const p of of(s.source)) if (this.mayBe(p)) throw new Read(`a length of a value that may be the watched input, at ${at()}`);
        return set(s.target, NONE);
      case "IsArrayStmt":
      case "IsObjectStmt":
      case "IsSetStmt":
      case "IsDefinedStmt":
      case "IsUndefinedStmt":
      case "NopStmt":
      case "BreakStmt":
        return state;
      case "ResetLocalStmt":
      case "MakeNullStmt":
      case "MakeNumberIntStmt":
      case "MakeNumberRefStmt":
      case "AssignIntStmt":
      case "MakeArrayStmt":
      case "MakeObjectStmt":
      case "MakeSetStmt":
        return set(s.target, NONE);
      case "EqualStmt":
      case "NotEqualStmt":
        mustNotTouch(of(s.a), "a comparison");
        mustNotTouch(of(s.b), "a comparison");
        return state;
      case "ArrayAppendStmt":
      case "SetAddStmt":
        mustNotTouch(of(s.value), "a collection");
        return state;
      case "ObjectInsertStmt":
      case "ObjectInsertOnceStmt":
        mustNotTouch(of(s.key), "an object");
        mustNotTouch(of(s.value), "an object");
        return state;
      case "ObjectMergeStmt":
        mustNotTouch(of(s.a), "an object merge");
        mustNotTouch(of(s.b), "an object merge");
        return set(s.target, NONE);
      case "ResultSetAddStmt":
        mustNotTouch(local(s.value), "the result");
        return state;
      case "ReturnLocalStmt":
        for (const p of local(s.source)) returned.add(p);
        return state;
      case "BlockStmt": {
        let reached = state;
        for (const block of (s.blocks as PlanBlock[] | null) ?? []) reached = join(reached, nested(block, reached));
        return reached;
      }
      case "NotStmt":
        return nested(s.block);
      case "WithStmt": {
        // `with local as value` (no path) replaces the whole local in its block: exactly the value's paths.
        // A replacement deeper inside keeps the local's paths, which stays sound only while the value put
        // there holds none of the watched places.
        const path = s.path as number[] | null;
        if (!path || path.length === 0) {
          const inside = join(state, nested(s.block, set(s.local, of(s.value))));
          // After its block the local is what it was before.
          return new Map(inside).set(s.local as number, local(s.local));
        }
        mustNotTouch(of(s.value), "a `with` replacement");
        return nested(s.block);
      }
      case "CallStmt":
        return set(s.result, this.call(String(s.func), (s.args as unknown[]).map(of), at, mustNotTouch));
      default:
        throw new Read(`${type} is not understood, at ${at()}`);
    }
  }

  /** What a call returns; a function of the policy is analysed with its arguments' paths. */
  private call(name: string, args: Paths[], at: () => string, mustNotTouch: (paths: Paths, what: string) => void): Paths {
    const func = this.funcs.get(name);
    if (func) {
      const key = `${name}${SEP}${args.map((a) => [...a].sort().join("|")).join(SEP)}`;
      let out = this.returns.get(key);
      if (!out) {
        out = this.run(func.blocks, new Map(func.params.map((p, i) => [p, args[i] ?? NONE])), `function ${name}`);
        this.returns.set(key, out);
      }
      return out;
    }
    if (TYPE_TESTS.has(name)) return NONE;
    if (name === "count" && args.length === 1) {
      // How many elements a collection has does not depend on a string inside it; a string's length does.
      for (const p of args[0]!) if (this.mayBe(p)) throw new Read(`count of a value that may be the watched input, at ${at()}`);
      return NONE;
    }
    if (name === "object.get" && args.length === 3) {
      // object.get(object, key, default) is a field lookup with a default.
      mustNotTouch(args[1]!, "object.get's key");
      return new Set([...this.extend(args[0]!, "*"), ...args[2]!]);
    }
    args.forEach((a, i) => mustNotTouch(a, `builtin ${name} (argument ${i + 1})`));
    return NONE;
  }

  private constantKey(operand: Operand): string | undefined {
    return operand.type === "string_index" ? this.strings[operand.value] : undefined;
  }

  private extend(paths: Paths, key: string): Paths {
    const out: Paths = new Set();
    for (const p of paths) {
      if (p === ANY) out.add(ANY);
      else {
        const parts = p === "" ? [] : p.split(SEP);
        out.add(parts.length >= MAX_DEPTH ? ANY : [...parts, key].join(SEP));
      }
    }
    return out;
  }

  /** Whether a value at path `p` may be a watched place, or hold one inside it. */
  private touches(p: string): boolean {
    if (p === ANY) return true;
    const parts = p === "" ? [] : p.split(SEP);
    return this.places.some((place) => parts.length <= place.length && parts.every((k, i) => same(k, place[i]!)));
  }

  /** Whether a value at path `p` may be a watched place itself. */
  private mayBe(p: string): boolean {
    if (p === ANY) return true;
    const parts = p === "" ? [] : p.split(SEP);
    return this.places.some((place) => parts.length === place.length && parts.every((k, i) => same(k, place[i]!)));
  }
}

/** Each local's paths at one point; a local not in the map holds nothing from the input. */
type State = Map<number, Paths>;
const NONE: Paths = new Set();

function pathsOf(operand: unknown, state: State): Paths {
  const o = operand as Operand;
  return o.type === "local" ? (state.get(o.value) ?? NONE) : NONE;
}

/** Every path either state gives a local. */
function join(a: State, b: State): State {
  if (a === b) return a;
  let out: State | undefined;
  for (const [local, paths] of b) {
    const mine = a.get(local) ?? NONE;
    if (paths === mine || paths.size === 0) continue;
    let merged: Paths | undefined;
    for (const p of paths) {
      if (mine.has(p) || merged?.has(p)) continue;
      merged ??= new Set(mine);
      merged.add(p);
    }
    if (merged) (out ??= new Map(a)).set(local, merged);
  }
  return out ?? a;
}

function sameState(a: State, b: State): boolean {
  if (a === b) return true;
  for (const [local, paths] of b) {
    const mine = a.get(local) ?? NONE;
    if (mine.size !== paths.size) return false;
    for (const p of paths) if (!mine.has(p)) return false;
  }
  for (const [local, paths] of a) if (paths.size > 0 && !b.has(local)) return false;
  return true;
}

function same(a: string, b: string): boolean {
  return a === "*" || b === "*" || a === b;
}
