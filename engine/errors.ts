/** Stable codes callers can switch on; messages are for people. */
export type PortcullisErrorCode =
  | "OPA_NOT_FOUND"
  | "OPA_FAILED"
  | "POLICY_BUILD_FAILED"
  | "POLICY_TEST_FAILED"
  | "POLICY_LOAD_FAILED"
  | "BUNDLE_INVALID"
  | "INVALID_CASE"
  | "INVALID_RECORDING"
  | "USAGE"
  | "CONFIG_INVALID"
  | "CONFIG_SECRET";

export class PortcullisError extends Error {
  readonly code: PortcullisErrorCode;
  readonly detail: string | undefined;
  constructor(code: PortcullisErrorCode, message: string, detail?: string) {
    super(message);
    this.name = "PortcullisError";
    this.code = code;
    this.detail = detail;
  }
}

/** npm-opa-wasm and other libraries throw strings; turn anything thrown into a message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
