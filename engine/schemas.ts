import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { schemasDir } from "./paths.js";

/**
 * JSON Schema validators for the contracts in schemas/. One Ajv instance holds every schema so that
 * `$ref`s between them (input.json → action.sql.json) resolve by `$id`.
 */
const SCHEMA_FILES = ["action.sql.json", "action.shell.json", "action.file.json", "action.kubernetes.json", "request.json", "input.json", "decision.json", "masked-columns.json", "session-limits.json", "conformance-case.json", "recording.json", "config.json"] as const;
export type SchemaName = (typeof SCHEMA_FILES)[number];

let ajv: Ajv2020 | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

function instance(): Ajv2020 {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: false, strict: false });
  for (const file of SCHEMA_FILES) ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, file), "utf8")) as object, file);
  return ajv;
}

export function validator(name: SchemaName): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    const schema = instance().getSchema(name);
    if (!schema) throw new Error(`schema ${name} is not registered`);
    fn = schema;
    compiled.set(name, fn);
  }
  return fn;
}

/** A short, readable summary of why a value does not match its schema. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return "does not match its schema";
  return errors
    .slice(0, 3)
    .map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`)
    .join("; ");
}

/** Validates `value` against a schema: null when valid, else the reason. */
export function check(name: SchemaName, value: unknown): string | null {
  const fn = validator(name);
  return fn(value) ? null : describeErrors(fn.errors);
}
