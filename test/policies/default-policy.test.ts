import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";

// The bundled policy set is what `npm start` and most users start from: every check of its CI must pass,
// including every conformance case against the WASM the gateway loads.
test("portcullis policy test passes on the bundled policies and conformance cases", async () => {
  const r = await portcullis(["policy", "test", "--format", "json"]);
  const report = JSON.parse(r.stdout) as { ok: boolean; steps: Array<{ name: string; ok: boolean; summary: string; details: string[] }> };
  const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.name}: ${s.summary}\n${s.details.join("\n")}`);
  assert.equal(failed, [], failed.join("\n"));
  assert.is(r.code, 0);
  const conformance = report.steps.find((s) => s.name === "conformance");
  const count = Number(/^(\d+)\//.exec(conformance?.summary ?? "")?.[1] ?? 0);
  assert.ok(count >= 80, `at least 80 conformance cases, found ${count}`);
});

test.run();
