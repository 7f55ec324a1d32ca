import { Rng } from "./rng.js";
import { TEMPLATES } from "./templates.js";

/** One statement of the workload and the template it came from. */
export interface WorkloadStatement {
  template: string;
  sql: string;
}

/** `count` statements drawn from the weighted templates with a fixed seed: identical on every run. */
export function generateWorkload(count: number, seed = 0x5eed): WorkloadStatement[] {
  const rng = new Rng(seed);
  const total = TEMPLATES.reduce((sum, t) => sum + t.weight, 0);
  const statements: WorkloadStatement[] = [];
  for (let i = 0; i < count; i++) {
    let ticket = rng.next() * total;
    const template = TEMPLATES.find((t) => (ticket -= t.weight) < 0) ?? TEMPLATES[TEMPLATES.length - 1];
    if (!template) throw new Error("no statement templates");
    statements.push({ template: template.name, sql: template.make(rng) });
  }
  return statements;
}

/** How many statements each template contributed, in template order. */
export function templateCounts(statements: readonly WorkloadStatement[]): Array<[string, number]> {
  return TEMPLATES.map((t) => [t.name, statements.filter((s) => s.template === t.name).length]);
}
