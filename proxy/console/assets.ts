import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../engine/paths.js";

export interface Asset {
  type: string;
  body: Buffer;
}

const ASSET_DIR = join(packageRoot, "proxy", "console", "assets");
const TYPES: Record<string, string> = { "console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8" };

/**
 * The console's stylesheet and script, plain files served as they are (no build step). Read once when
 * the console starts, so a missing file stops the gateway at start rather than breaking pages later.
 */
export function loadAssets(): Map<string, Asset> {
  return new Map(Object.entries(TYPES).map(([name, type]) => [name, { type, body: readFileSync(join(ASSET_DIR, name)) }]));
}
