import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { PortcullisError, messageOf } from "../../engine/errors.js";
import type { Identity, Target } from "../../engine/index.js";
import { readStoredRequest } from "../../engine/actions/stored-request.js";
import { check } from "../../engine/schemas.js";
import { loadRecording } from "./load-recording.js";
import type { ConformanceCase, Expectation } from "./types.js";

interface CaseFile {
  description?: string;
  defaults?: { identity?: Partial<Identity>; target?: Partial<Target> };
  cases: Array<{ name: string; identity?: Partial<Identity>; target?: Partial<Target>; request: unknown; expect: Expectation }>;
}

const DEFAULT_IDENTITY: Identity = { subject: "conformance-user", issuer: "conformance", groups: [], kind: "human", claims: {} };
const DEFAULT_TARGET: Target = { name: "default", type: "postgres", tags: {} };

/** Expands paths (files or directories) into case files (`*.yaml`, `*.yml`) and recordings (`*.jsonl`). */
export async function findCaseFiles(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new PortcullisError("INVALID_CASE", `no such file or directory: ${path}`);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => !n.startsWith(".") && n !== "node_modules" && n !== "runner").sort();
      found.push(...(await findCaseFiles(names.map((n) => join(path, n)))).filter(Boolean));
    } else if ([".yaml", ".yml", ".jsonl"].includes(extname(path))) {
      found.push(path);
    } else if (paths.includes(path)) {
      throw new PortcullisError("INVALID_CASE", `${path}: not a case file (.yaml, .yml) or a recording (.jsonl)`);
    }
  }
  return found;
}

/** Loads and validates every case; a malformed file is an error naming the file and the problem. */
export async function loadCases(paths: string[]): Promise<ConformanceCase[]> {
  const cases: ConformanceCase[] = [];
  for (const file of await findCaseFiles(paths)) {
    if (file.endsWith(".jsonl")) cases.push(...(await loadRecording(file)));
    else cases.push(...(await loadCaseFile(file)));
  }
  return cases;
}

export async function loadCaseFile(file: string): Promise<ConformanceCase[]> {
  const label = relative(process.cwd(), file) || file;
  let document: unknown;
  try {
    document = parseYaml(await readFile(file, "utf8"));
  } catch (error) {
    throw new PortcullisError("INVALID_CASE", `${label}: not valid YAML: ${messageOf(error)}`);
  }
  const problem = check("conformance-case.json", document);
  if (problem) throw new PortcullisError("INVALID_CASE", `${label}: ${problem}`);
  const parsed = document as CaseFile;
  return parsed.cases.map((c, i) => {
    const target: Target = { ...DEFAULT_TARGET, ...parsed.defaults?.target, ...c.target };
    return {
      origin: `${label}#${i + 1}`,
      name: c.name,
      request: {
        identity: { ...DEFAULT_IDENTITY, ...parsed.defaults?.identity, ...c.identity },
        session: { id: `conformance-${i + 1}`, protocol: target.type },
        target,
        // Validated against schemas/request.json above: the tagged form or a kind's shorthand.
        request: readStoredRequest(c.request)!,
      },
      expect: c.expect,
    };
  });
}
