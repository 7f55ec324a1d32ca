import { resolve } from "node:path";

/** Where a log lives when nobody says: under the current directory, beside other local state. */
export const DEFAULT_AUDIT_LOG = ".portcullis/audit.log";

/** The audit log path: the explicit one, else $PORTCULLIS_AUDIT_LOG, else .portcullis/audit.log under `cwd`. */
export function auditLogPath(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return resolve(cwd, explicit ?? (env.PORTCULLIS_AUDIT_LOG || DEFAULT_AUDIT_LOG));
}
