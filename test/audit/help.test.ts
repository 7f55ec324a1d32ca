import { test } from "uvu";
import * as assert from "uvu/assert";
import { portcullis } from "../support/cli.js";

for (const word of ["verify", "tail", "search", "export", "repair"]) {
  test(`portcullis audit ${word} --help describes its options and exit status`, async () => {
    const r = await portcullis(["audit", word, "--help"]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: portcullis audit ${word}`));
    assert.match(r.stdout, /--log FILE/);
    assert.match(r.stdout, /Exit status/);
  });
}

test("portcullis audit alone lists its commands; portcullis --help lists them too", async () => {
  const group = await portcullis(["audit"]);
  assert.is(group.code, 2, group.stderr);
  for (const word of ["verify", "tail", "search", "export", "repair"]) assert.match(group.stdout, `audit ${word}`);
  const all = await portcullis(["--help"]);
  assert.match(all.stdout, /audit verify +check the audit log's hash chain/);
});

test.run();
