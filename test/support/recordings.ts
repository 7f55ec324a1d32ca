import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";

/** The text of every session recording under a gateway's state directory, one string per file. */
export function recordingTexts(stateDir: string): string[] {
  const folder = join(stateDir, "recordings");
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".jsonl"))
    .map((f) => readFileSync(join(folder, f), "utf8"));
}

/**
 * The recordings once one of them satisfies `holds`, or as they are after `timeoutMs`. A recording's
 * lines are gathered for up to 20 ms before they are written, and a client can be told a result before
 * its line is on disk, so a test that reads right after the client returns waits for the line.
 */
export async function recordingsOnceOneHolds(stateDir: string, holds: (text: string) => boolean, timeoutMs = 5_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const texts = recordingTexts(stateDir);
    if (texts.some(holds) || Date.now() >= until) return texts;
    await new Promise((r) => setTimeout(r, 25));
  }
}
