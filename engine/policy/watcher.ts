import { watch } from "chokidar";

export interface PolicyWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Calls `onChange` once per burst of changes to policy files under `dir` (editors write a file in several
 * steps, and `git checkout` touches many files at once: debounce so one burst is one rebuild).
 */
export function watchPolicyDir(dir: string, debounceMs: number, onChange: () => void): PolicyWatcher {
  const watcher = watch(dir, {
    ignoreInitial: true,
    ignored: (path: string) => /(^|\/)\.[^/]+$/.test(path) || /(~|\.swp|\.tmp)$/.test(path),
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on("all", (_event: string, path: string) => {
    if (!/\.(rego|json|ya?ml)$/.test(path) && _event !== "unlink" && _event !== "unlinkDir") return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
