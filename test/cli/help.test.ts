import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse, type Command } from "../../cli/command.js";
import { portcullis } from "../support/cli.js";

test("portcullis --help lists every command; no arguments is a usage error", async () => {
  const help = await portcullis(["--help"]);
  assert.is(help.code, 0);
  for (const command of ["eval", "policy test", "conformance run"]) assert.ok(help.stdout.includes(command), command);
  const bare = await portcullis([]);
  assert.is(bare.code, 2);
  assert.match(bare.stdout, /Usage: portcullis <command>/);
});

for (const command of [["eval"], ["policy", "test"], ["conformance", "run"]]) {
  test(`portcullis ${command.join(" ")} --help describes its options and exit status`, async () => {
    const r = await portcullis([...command, "--help"]);
    assert.is(r.code, 0);
    assert.match(r.stdout, new RegExp(`^Usage: portcullis ${command.join(" ")}`));
    assert.match(r.stdout, /Exit status/);
  });
}

test("unknown commands and options are usage errors (exit 2) that point to --help", async () => {
  const unknown = await portcullis(["frobnicate"]);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const option = await portcullis(["eval", "--sql", "SELECT 1", "--nope"]);
  assert.is(option.code, 2);
  assert.match(option.stderr, /Unknown option '--nope'/);
  assert.match(option.stderr, /portcullis eval --help/);
  const group = await portcullis(["policy"]);
  assert.is(group.code, 2);
  assert.match(group.stdout, /policy test/);
});

test("an option that takes a value takes the next word even when it starts with a dash (a token ID may)", () => {
  const command: Command = {
    words: ["demo"],
    help: "",
    allowPositionals: true,
    options: { "token-id": { type: "string" }, name: { type: "string", short: "n" }, json: { type: "boolean" } },
    run: async () => 0,
  };
  const parsed = parse(command, ["--token-id", "-Xy3_k", "-n", "--json", "--json", "--", "--token-id", "-z"]);
  assert.equal({ ...parsed.values }, { "token-id": "-Xy3_k", name: "--json", json: true });
  assert.equal(parsed.positionals, ["--token-id", "-z"]);
  // A flag is still a flag, and an unknown option still an error.
  assert.throws(() => parse(command, ["--json", "-q"]), /Unknown option '-q'/);
  assert.throws(() => parse(command, ["--token-id"]), /argument missing/);
});

test.run();
