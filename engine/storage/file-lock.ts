import { open, readFile, unlink } from "node:fs/promises";
import { CodedError } from "../errors.js";

/** Thrown when another live process holds the lock. */
export class LockedError extends CodedError<"LOCKED"> {
  readonly holder: number;
  constructor(path: string, holder: number) {
    super("LOCKED", `${path} is held by process ${holder}`);
    this.holder = holder;
  }
}

export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Takes an exclusive lock by creating `path` (O_EXCL) with this process id in it, so only one process
 * writes a store at a time: two writers would interleave and break its hash chain. A lock left behind by
 * a process that died (`kill -9`) names a process that no longer exists and is taken over. The lock is
 * advisory: readers never take it.
 */
export async function acquireLock(path: string): Promise<FileLock> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { path, release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await holderOf(path);
    if (holder === undefined && attempt < 2) {
      // Another process may have created it and not yet written its id: give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    if (holder !== undefined && (holder === process.pid || isAlive(holder))) throw new LockedError(path, holder);
    // Stale: its process is gone (or never wrote its id). Remove it and try again.
    await unlink(path).catch(() => undefined);
  }
  throw new Error(`could not take the lock ${path}`);
}

async function holderOf(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
