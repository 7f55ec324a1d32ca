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

/**
 * The base of every error Portcullis raises on purpose, in the style of jose's JOSEError: a stable
 * `code` per failure that callers switch on (the message is for people) and the class as `name`.
 * Each family (audit, approvals, recordings, masking, the protocols) narrows `Code` to its own list.
 */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class PortcullisError extends CodedError<PortcullisErrorCode> {
  readonly detail: string | undefined;
  constructor(code: PortcullisErrorCode, message: string, detail?: string) {
    super(code, message);
    this.detail = detail;
  }
}

/** npm-opa-wasm and other libraries throw strings; turn anything thrown into a message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    // undefined, functions and symbols have no JSON text.
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
