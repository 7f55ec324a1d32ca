import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { packageRoot } from "../../engine/paths.js";

/** Debian's Chromium, which scripts/setup.sh installs; playwright-core drives it (it downloads no browser of its own). */
export const CHROMIUM = "/usr/bin/chromium";

/** Where the console's screenshots go (git-ignored): part of the test output, for people to look at. */
export const SCREENSHOTS = join(packageRoot, "test-output", "console");

/**
 * Headless Chromium for tests. The flags keep it to the pages under test: no sandbox (tests may run
 * as root), and none of the background connections (updates, sync, QUIC probes) a closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  // A fresh folder each run, so every picture in it is from this run.
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}
