import { mkdir, open, stat, type FileHandle } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { syncDirectory } from "./durable-file.js";
import { acquireLock, LockedError, type FileLock } from "./file-lock.js";

export interface LockedFileOptions {
  /** Mode of the directory when it has to be created. */
  dirMode?: number;
  /** The store's own error when another live process holds the file. */
  locked: (file: string, holder: number) => Error;
}

/**
 * Opens a store's append-only file the way every file store here needs it: its directory created, an
 * exclusive lock (`FILE.lock`) taken, the file opened for appending with mode 0600 (and its directory
 * entry synced when it is new), then handed to `init` to read and repair. When `init` throws, the
 * handle is closed and the lock released, so a failed open leaves nothing behind.
 */
export async function openLockedFile<T>(path: string, options: LockedFileOptions, init: (file: string, handle: FileHandle, lock: FileLock) => Promise<T>): Promise<T> {
  const file = resolve(path);
  await mkdir(dirname(file), options.dirMode === undefined ? { recursive: true } : { recursive: true, mode: options.dirMode });
  let lock: FileLock;
  try {
    lock = await acquireLock(`${file}.lock`);
  } catch (error) {
    if (error instanceof LockedError) throw options.locked(file, error.holder);
    throw error;
  }
  let handle: FileHandle | undefined;
  try {
    const existed = await stat(file).then(() => true, () => false);
    handle = await open(file, "a+", 0o600);
    if (!existed) await syncDirectory(dirname(file));
    return await init(file, handle, lock);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await lock.release();
    throw error;
  }
}
