import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Ajv2020 } from "ajv/dist/2020.js";
import { schemasDir } from "../../engine/paths.js";
import { normalizeShell } from "./support.js";

// The document is the contract policies are written against: every document, good or broken, matches
// schemas/action.shell.json, and the normalizer never throws.

const schema = JSON.parse(readFileSync(join(schemasDir, "action.shell.json"), "utf8")) as object;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function valid(text: string, interactive = false): void {
  const action = normalizeShell(text, { interactive });
  assert.ok(validate(action), `${JSON.stringify(text)}: ${JSON.stringify(validate.errors)}`);
}

test("documents match the schema: plain, wrapped, dynamic, redirected and broken text", () => {
  for (const text of [
    "ls -la",
    "sudo -u bob env A=1 rm -rf /tmp/x > /etc/out 2>&1",
    "ssh alice@db 'rm x' && sh -c 'ls | wc -l'",
    "f() { rm x; }; f; $(echo rm) x; eval y",
    "cat <<'EOF' | bash\nls\nEOF",
    "if (( x )); then :; fi",
    "rm 'unterminated",
    "",
  ]) valid(text);
  valid("", true);
});

test("the document keeps the text as received and the interactive flag", () => {
  const a = normalizeShell("r\\\nm x", { interactive: true });
  assert.equal([a.kind, a.text, a.interactive], ["shell", "r\\\nm x", true]);
  assert.is(normalizeShell("ls").interactive, false);
});

test("text that does not parse is a parse error with its position, dynamic and with no commands", () => {
  const a = normalizeShell("ls; rm 'x");
  assert.ok(a.parse_error);
  assert.equal([a.commands, a.dynamic, a.dynamic_reasons], [[], true, ["the text does not parse"]]);
  assert.ok(a.parse_error!.position >= 3 && a.parse_error!.position <= 9, String(a.parse_error!.position));
});

test("unbalanced syntax is a parse error", () => {
  for (const text of ["if true; then ls", "ls )", "echo $(ls", "for x in; do", "case x in", "ls &&", "{ ls;", "f() {"]) {
    assert.ok(normalizeShell(text).parse_error, `${JSON.stringify(text)} should not parse`);
  }
});

test("a parse error position counts characters of the text as received", () => {
  const a = normalizeShell("r\\\nm x; ls )");
  assert.ok(a.parse_error);
  assert.ok(a.parse_error!.position >= 10, String(a.parse_error!.position));
});

test("oversized text is refused without parsing", () => {
  const a = normalizeShell("ls " + "a".repeat(70_000));
  assert.match(a.parse_error!.message, /longer than/);
});

test("hostile text never throws", () => {
  const pieces = ["$(", ")", "`", "'", '"', "\\", "<<", "EOF\n", "{", "}", "${", "|", "&&", ";", "(", "((", "$'", "\n", "a", " ", "=", "[[", "]]", "#"];
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    let text = "";
    const n = 1 + (i % 17);
    for (let k = 0; k < n; k++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      text += pieces[seed % pieces.length];
    }
    const a = normalizeShell(text);
    assert.ok(validate(a), `${JSON.stringify(text)}: ${JSON.stringify(validate.errors)}`);
  }
});

test("deep nesting does not overflow", () => {
  const a = normalizeShell("(".repeat(2000) + "ls" + ")".repeat(2000));
  assert.ok(validate(a));
  const b = normalizeShell("echo " + "$(".repeat(500) + "rm" + ")".repeat(500));
  assert.ok(validate(b));
});

test.run();
