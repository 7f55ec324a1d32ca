/**
 * Cuts statements' text out of one request. libpg_query reports byte offsets into the UTF-8 text, so
 * non-ASCII text is sliced as bytes; a zero or missing length means "to the end".
 *
 * The request is scanned and encoded once, when the slicer is made: a message of many statements is
 * cut in time linear in its size (scanning the whole text again per statement made analysis quadratic).
 */
export class StatementSlicer {
  private readonly request: string;
  /** The UTF-8 bytes of a request with non-ASCII text; undefined when byte and character offsets agree. */
  private readonly bytes: Buffer | undefined;

  constructor(request: string) {
    this.request = request;
    this.bytes = isAscii(request) ? undefined : Buffer.from(request, "utf8");
  }

  /** The trimmed text of the statement at byte `location` of byte `length` (zero or absent: to the end). */
  text(location: number, length: number | undefined): string {
    if (this.bytes === undefined) {
      const end = length ? location + length : this.request.length;
      return this.request.slice(location, end).trim();
    }
    const end = length ? location + length : this.bytes.length;
    return this.bytes.subarray(location, end).toString("utf8").trim();
  }
}

/** Cuts one statement's text out of a request (see `StatementSlicer` for many statements of one request). */
export function statementText(request: string, location: number, length: number | undefined): string {
  return new StatementSlicer(request).text(location, length);
}

/** Converts a byte offset reported by the parser into a character offset into `request`. */
export function charOffset(request: string, byteOffset: number): number {
  if (isAscii(request)) return byteOffset;
  return Buffer.from(request, "utf8").subarray(0, byteOffset).toString("utf8").length;
}

function isAscii(text: string): boolean {
  return !/[^\x00-\x7f]/.test(text);
}
