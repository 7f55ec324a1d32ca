import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { schemasDir } from "../paths.js";
import { describeErrors } from "../schemas.js";

/**
 * Validators for schemas/audit-record.json. It refers to input.json and decision.json by `$id`, so every
 * schema in schemas/ is registered with one Ajv instance of its own here.
 */
const RECORD_ID = "https://portcullis.dev/schemas/audit-record.json";

let validators: { record: ValidateFunction; event: ValidateFunction } | undefined;

function load(): { record: ValidateFunction; event: ValidateFunction } {
  if (validators) return validators;
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  for (const file of readdirSync(schemasDir).filter((f) => f.endsWith(".json"))) {
    ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, file), "utf8")) as object, file);
  }
  validators = { record: ajv.compile({ $ref: RECORD_ID }), event: ajv.compile({ $ref: `${RECORD_ID}#/$defs/event` }) };
  return validators;
}

/** Null when `event` is a valid audit event, else why not. */
export function auditEventProblem(event: unknown): string | null {
  const { event: fn } = load();
  return fn(event) ? null : describeErrors(fn.errors);
}

/** Null when `record` is a valid audit record (a line of the log), else why not. */
export function auditRecordProblem(record: unknown): string | null {
  const { record: fn } = load();
  return fn(record) ? null : describeErrors(fn.errors);
}
