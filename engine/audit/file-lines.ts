import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { readAt } from "../storage/durable-file.js";
import type { StoredEntry } from "./store.js";

/**
 * Streams a JSON Lines file as entries, telling whether the last one ended with a newline (a line the
 * writer finished) or not (a torn write). Splits on bytes so a multi-byte character is never cut.
 */
export async function* fileLines(path: string, fromByte = 0): AsyncGenerator<StoredEntry & { end: number }> {
  let pending: Buffer[] = [];
  let position = 0;
  let offset = fromByte;
  for await (const chunk of createReadStream(path, { start: fromByte }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, nl));
      const line = Buffer.concat(pending);
      pending = [];
      offset += line.length + 1;
      position += 1;
      yield { position, text: line.toString("utf8"), terminated: true, end: offset };
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(Buffer.from(chunk.subarray(start)));
  }
  if (pending.length > 0) {
    const rest = Buffer.concat(pending);
    yield { position: position + 1, text: rest.toString("utf8"), terminated: false, end: offset + rest.length };
  }
}

export interface FileTail {
  /** The last newline-terminated line, without its newline; undefined when there is none. */
  lastLine: string | undefined;
  /** Bytes after the last newline: an interrupted write, when not empty. */
  torn: Buffer;
}

/** Reads backwards from the end of a file to its last complete line and any torn bytes after it. */
export async function readTail(handle: FileHandle, size: number): Promise<FileTail> {
  let window = Math.min(size, 64 * 1024);
  for (;;) {
    const start = size - window;
    const bytes = await readAt(handle, start, window);
    const last = bytes.lastIndexOf(10);
    if (last === -1 && start > 0) {
      window = Math.min(size, window * 4);
      continue;
    }
    const torn = Buffer.from(bytes.subarray(last + 1));
    if (last === -1) return { lastLine: undefined, torn };
    // (lastIndexOf counts a negative offset from the end, so a newline at 0 has no predecessor.)
    const previous = last === 0 ? -1 : bytes.lastIndexOf(10, last - 1);
    if (previous === -1 && start > 0) {
      window = Math.min(size, window * 4);
      continue;
    }
    return { lastLine: bytes.subarray(previous + 1, last).toString("utf8"), torn };
  }
}
