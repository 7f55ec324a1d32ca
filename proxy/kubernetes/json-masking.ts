/**
 * Masking of Kubernetes JSON responses by the decision's `json_path` rules: a single object, a list's
 * items, a Table's row objects, and a watch stream's events one by one as they arrive (the stream is
 * never collected; only the event being read is held, and one event may not exceed the cap). The
 * apiserver's watch framing for JSON is one event per line.
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
 */
import { Transform, type TransformCallback } from "node:stream";
import type { JsonMaskRule } from "../../engine/policy/types.js";

export type MaskValue = (rule: JsonMaskRule, value: string | null) => string | null;

/** The most bytes of one response (or one watch event) the gateway holds to mask it. */
export const MAX_MASKED_BYTES = 64 * 1024 * 1024;

/**
 * A rule's path as keys: split at each dot that is not escaped, `\.` standing for a dot inside a key
 * (`metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration`).
 */
export function pathKeys(jsonPath: string): string[] {
  return jsonPath.split(/(?<!\\)\./).map((key) => key.replaceAll("\\.", "."));
}

/** Masks one object in place: every value a rule's path reaches (`*` for every key or element). */
function maskObject(object: unknown, rules: JsonMaskRule[], mask: MaskValue): void {
  for (const rule of rules) maskPath(object, pathKeys(rule.json_path), rule, mask);
}

function maskPath(node: unknown, path: string[], rule: JsonMaskRule, mask: MaskValue): void {
  if (typeof node !== "object" || node === null) return;
  const [key, ...rest] = path;
  if (key === undefined) return;
  const record = node as Record<string, unknown>;
  const keys = key === "*" ? Object.keys(record) : Object.hasOwn(record, key) ? [key] : [];
  for (const k of keys) {
    const value = record[k];
    if (rest.length > 0) maskPath(value, rest, rule, mask);
    else if (typeof value === "string" || value === null) record[k] = mask(rule, value);
    // A value that is not text (a nested object under the path's end) is masked whole.
    else if (value !== undefined) record[k] = mask(rule, JSON.stringify(value));
  }
}

/** Masks a response document: an object, a list (items), a Table (rows[].object), or a watch event (object). */
export function maskDocument(document: unknown, rules: JsonMaskRule[], mask: MaskValue): void {
  if (typeof document !== "object" || document === null) return;
  const doc = document as Record<string, unknown>;
  if (typeof doc.type === "string" && typeof doc.object === "object" && !("kind" in doc)) {
    maskDocument(doc.object, rules, mask);
    return;
  }
  if (doc.kind === "Table" && Array.isArray(doc.rows)) {
    for (const row of doc.rows as Array<Record<string, unknown> | null>) if (row?.object) maskDocument(row.object, rules, mask);
    return;
  }
  if (Array.isArray(doc.items)) {
    for (const item of doc.items) maskObject(item, rules, mask);
    return;
  }
  maskObject(doc, rules, mask);
}

/**
 * A transform that masks JSON documents. `framing: "lines"` (watch): each line is an event, masked
 * and passed on as soon as its newline arrives; `"whole"`: the body is one document, masked at its end.
 * Anything that is not JSON fails the stream (the client's response is cut off, never passed unmasked).
 */
export class JsonMasker extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly rules: JsonMaskRule[];
  private readonly mask: MaskValue;
  private readonly framing: "lines" | "whole";

  constructor(rules: JsonMaskRule[], mask: MaskValue, framing: "lines" | "whole") {
    super();
    this.rules = rules;
    this.mask = mask;
    this.framing = framing;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      let rest = chunk;
      if (this.framing === "lines") {
        for (let newline = rest.indexOf(0x0a); newline >= 0; newline = rest.indexOf(0x0a)) {
          this.hold(rest.subarray(0, newline));
          this.push(this.masked());
          rest = rest.subarray(newline + 1);
        }
      }
      this.hold(rest);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.pendingBytes > 0) this.push(this.masked());
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private hold(piece: Buffer): void {
    this.pendingBytes += piece.length;
    if (this.pendingBytes > MAX_MASKED_BYTES) throw new Error(`a response to mask is larger than ${MAX_MASKED_BYTES} bytes`);
    if (piece.length > 0) this.pending.push(piece);
  }

  /** The held document masked, as the line it goes out as. */
  private masked(): Buffer {
    const text = Buffer.concat(this.pending, this.pendingBytes).toString("utf8");
    this.pending = [];
    this.pendingBytes = 0;
    if (text.trim() === "") return Buffer.from("\n");
    const document: unknown = JSON.parse(text);
    maskDocument(document, this.rules, this.mask);
    return Buffer.from(`${JSON.stringify(document)}\n`);
  }
}

/** The Accept header for a masked request: JSON only (a Table in JSON is fine), never protobuf. */
export function jsonAccept(accept: string | undefined): string {
  const json = (accept ?? "").split(",").map((part) => part.trim()).filter((part) => /^application\/json(;|$)/i.test(part));
  return json.length > 0 ? json.join(",") : "application/json";
}
