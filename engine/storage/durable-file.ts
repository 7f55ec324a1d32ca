import { writeSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

/**
 * Writes every byte of `data` at the end of a file opened for appending. A write may be short (a full
 * disk, a signal), so it loops; a caller that needs the bytes to survive a crash calls `datasync()` after.
 */
export async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    if (bytesWritten <= 0) throw new Error("write made no progress");
    offset += bytesWritten;
  }
}

/** `writeAll` on the event loop, for writes small enough that a thread-pool round trip costs more. */
export function writeAllSync(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) {
    const written = writeSync(fd, data, offset, data.length - offset);
    if (written <= 0) throw new Error("write made no progress");
    offset += written;
  }
}

/**
 * Makes a directory's entries durable: a file just created is only sure to exist after a crash once the
 * directory holding it has been synced too (fsync(2) on the file alone does not cover its name).
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads `length` bytes at `position`, however many reads it takes. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}
