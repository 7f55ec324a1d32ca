import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packageRoot } from "../../engine/paths.js";

/**
 * The seams between the engine and the proxies, checked on the source: the engine and the request
 * gate know no protocol (no `.sql`, no SQLSTATE outside the PostgreSQL parts), and no module of
 * `engine/` or `proxy/` reaches itself through its imports, type-only imports included.
 */

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const files = ["engine", "proxy", "cli", "conformance"].flatMap((d) => sources(join(packageRoot, d)));
const rel = (file: string): string => relative(packageRoot, file);

/** Where SQL and PostgreSQL may be named: the SQL normalizer, the PostgreSQL proxy, and the PostgreSQL demo's help text. */
const SQL_PARTS = [/^engine\/actions\/sql\//, /^proxy\/postgres\//, /^cli\/commands\/demo\.ts$/, /^proxy\/console\/highlight-sql\.ts$/];

test("no code outside the PostgreSQL parts reads a request's .sql or names a SQLSTATE", () => {
  const found: string[] = [];
  for (const file of files) {
    if (SQL_PARTS.some((p) => p.test(rel(file)))) continue;
    readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (/\.sql\b(?!\.json)/.test(code) || /SQLSTATE|sqlstate|\b(42501|42601|57014|42P01)\b/.test(code)) found.push(`${rel(file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.equal(found, []);
});

/** Every relative import and re-export of a module, type-only ones included, as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']|^\s*import\s*["'](\.[^"']+)["']/gm)) {
    const spec = m[1] ?? m[2]!;
    out.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
  }
  return out;
}

/** Strongly connected components of more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.map(rel).sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

test("no import circles in engine/ or proxy/, type-only imports included", () => {
  const graph = new Map(files.filter((f) => /^(engine|proxy)\//.test(rel(f))).map((f) => [f, importsOf(f)]));
  assert.ok(graph.size > 100, `read ${graph.size} modules`);
  assert.equal(cycles(graph), []);
});

test("the cycle finder finds a circle (it can fail)", () => {
  const a = join(packageRoot, "a.ts");
  const b = join(packageRoot, "b.ts");
  assert.equal(cycles(new Map([[a, [b]], [b, [a]]])), [["a.ts", "b.ts"]]);
});

test.run();
