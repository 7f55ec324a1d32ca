/**
 * Cuts one statement's text out of a request. libpg_query reports byte offsets into the UTF-8 text,
 * so non-ASCII text is sliced as bytes; a zero or missing length means "to the end".
 */
export function statementText(request: string, location: number, length: number | undefined): string {
  const ascii = !/[^\x00-\x7f]/.test(request);
  if (ascii) {
    const end = length ? location + length : request.length;
    return request.slice(location, end).trim();
  }
  const bytes = Buffer.from(request, "utf8");
  const end = length ? location + length : bytes.length;
  return bytes.subarray(location, end).toString("utf8").trim();
}

/** Converts a byte offset reported by the parser into a character offset into `request`. */
export function charOffset(request: string, byteOffset: number): number {
  if (!/[^\x00-\x7f]/.test(request)) return byteOffset;
  return Buffer.from(request, "utf8").subarray(0, byteOffset).toString("utf8").length;
}
