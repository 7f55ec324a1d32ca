import { test } from "uvu";
import * as assert from "uvu/assert";
import { isStatic, lines, only, programs, vias } from "./support.js";

// Every simple command in the text is listed once, flattened, in text order, with the syntax around it.

test("a sequence lists each command in order", () => {
  assert.equal(lines("cd /srv; ls -l; pwd"), ["cd /srv", "ls -l", "pwd"]);
  assert.equal(lines("cd /srv\nls -l\n\npwd\n"), ["cd /srv", "ls -l", "pwd"]);
});

test("&& and || mark what runs only on success or failure", () => {
  assert.equal(vias("make && rm x", "rm"), ["and"]);
  assert.equal(vias("make || rm x", "rm"), ["or"]);
  assert.equal(vias("make", "make"), []);
  assert.equal(vias("a && b || rm x", "rm"), ["or"]);
  assert.equal(vias("a && b || c", "b"), ["and"]);
});

test("pipelines mark every member", () => {
  assert.equal(lines("ps aux | grep nginx | wc -l"), ["ps aux", "grep nginx", "wc -l"]);
  assert.equal(vias("ps aux | grep nginx", "grep"), ["pipeline"]);
  assert.equal(vias("ps aux |& grep nginx", "grep"), ["pipeline"]);
  assert.equal(vias("! ls | grep x", "grep"), ["pipeline"]);
});

test("subshells and brace groups", () => {
  assert.equal(vias("(cd /tmp && rm x)", "rm"), ["subshell", "and"]);
  assert.equal(vias("{ cd /tmp; rm x; }", "rm"), []);
});

test("background commands", () => {
  assert.equal(vias("sleep 10 & rm x", "sleep"), ["background"]);
  assert.equal(vias("sleep 10 & rm x", "rm"), []);
});


test("substitutions nest", () => {
  assert.equal(vias("echo $(echo $(rm x))", "rm"), ["command-substitution", "command-substitution"]);
});

test("if, elif and else: the condition always runs, branches maybe", () => {
  const text = "if test -f x; then rm x; elif ls y; then rm y; else touch z; fi";
  assert.equal(programs(text), ["rm x", "ls y", "rm y", "touch z"]);
  assert.equal(vias(text, "touch"), ["if"]);
  assert.equal(vias("if grep -q a f; then :; fi", "grep"), []);
});

test("loops mark their bodies and conditions", () => {
  assert.equal(vias("for f in a b; do rm $f; done", "rm"), ["loop"]);
  assert.equal(vias("while read -r l; do rm $l; done < list", "rm"), ["loop"]);
  assert.equal(vias("until ping -c1 h; do sleep 1; done", "ping"), ["loop"]);
  assert.equal(vias("for f in $(ls); do :; done", "ls"), ["command-substitution"]);
  assert.equal(vias("select x in a b; do rm $x; done", "rm"), ["loop"]);
});

test("case branches", () => {
  assert.equal(vias("case $1 in start) systemctl start x;; stop) systemctl stop x;; esac".replace(/systemctl stop x/, "halt"), "halt"), ["case"]);
});

test("a function defined and called in the same text runs its body", () => {
  assert.equal(lines("cleanup() { rm -rf /tmp/x; }; cleanup"), ["rm -rf /tmp/x"]);
  assert.equal(vias("cleanup() { rm -rf /tmp/x; }; cleanup", "rm"), ["function:cleanup"]);
  assert.equal(lines("function f { ls; }; f; f"), ["ls", "ls"]);
  assert.equal(lines("f() ( rm x ); f"), ["rm x"]);
});

test("a function never called runs nothing", () => {
  assert.equal(lines("f() { rm -rf /; }"), []);
});

test("a function called before its definition is the program of that name", () => {
  assert.equal(lines("f; f() { rm x; }"), ["f"]);
});

test("functions shadow programs and builtins of the same name", () => {
  assert.equal(lines("ls() { rm -rf /tmp; }; ls"), ["rm -rf /tmp"]);
  assert.equal(lines("cd() { rm x; }; cd /"), ["rm x"]);
});

test("a function defined in a subshell is gone outside it", () => {
  assert.equal(lines("(f() { rm x; }); f"), ["f"]);
});

test("functions calling functions", () => {
  assert.equal(vias("a() { rm x; }; b() { a; }; b", "rm"), ["function:b", "function:a"]);
});

test("unset -f removes a function", () => {
  assert.equal(programs("f() { rm x; }; unset -f f; f"), ["f"]);
});



test(">& with a file name writes the file", () => {
  assert.equal(only("cmd >& /tmp/log", "cmd").redirects[0]!.writes, true);
});

test("redirection targets are expanded and dynamic ones flagged", () => {
  const c = only("echo x > '/etc/'pass\"wd\" 2> $LOG", "echo");
  assert.equal(c.redirects.map((r) => [r.target, r.target_dynamic]), [["/etc/passwd", false], ["$LOG", true]]);
  assert.equal(only("echo x > ~/f", "echo").redirects[0]!.target_dynamic, true);
});

test("redirections of a compound command apply to every command inside", () => {
  const text = "{ ls; rm x; } > /etc/out";
  assert.equal(only(text, "rm").redirects.map((r) => r.target), ["/etc/out"]);
  assert.equal(only("while read l; do rm $l; done < list", "rm").redirects.map((r) => r.target), ["list"]);
  assert.equal(only("(rm x) 2>/dev/null", "rm").redirects.map((r) => r.target), ["/dev/null"]);
});

test("redirections written before the command name", () => {
  assert.equal(only("> /etc/x echo hi", "echo").redirects.map((r) => r.target), ["/etc/x"]);
});

test("assignments in front of a command", () => {
  const c = only("LANG=C TZ='UTC' sort f", "sort");
  assert.equal(c.assignments, [{ name: "LANG", value: "C", dynamic: false }, { name: "TZ", value: "UTC", dynamic: false }]);
  assert.equal(only("X=$(id) sort f", "sort").assignments[0]!.dynamic, true);
});

test("assignments alone run no command", () => {
  assert.equal(lines("a=1 b=2"), []);
  isStatic("a=1 b=2");
});

test("declaration builtins are listed with their assignments", () => {
  const c = only("export A=1 B", "export");
  assert.equal([c.builtin, c.argv, c.assignments], [true, ["export", "A=1", "B"], [{ name: "A", value: "1", dynamic: false }]]);
  assert.equal(lines("local -r x=1; readonly y"), ["local -r x=1", "readonly y"]);
});



test("comments are not commands", () => {
  assert.equal(lines("ls # rm -rf /"), ["ls"]);
  assert.equal(lines("# rm -rf /\nls"), ["ls"]);
});

test("a here-document's body is not a command", () => {
  assert.equal(lines("cat <<EOF | grep x\nrm -rf /\nEOF"), ["cat", "grep x"]);
  assert.equal(vias("cat <<EOF | grep x\nrm -rf /\nEOF", "grep"), ["pipeline"]);
  assert.equal(vias("cat <<EOF && rm y\nbody\nEOF", "rm"), ["and"]);
});

test("text order: wrappers before what they run, substitutions before their command", () => {
  assert.equal(lines("sudo rm $(cat list)"), ["cat list", "sudo rm $(cat list)", "rm $(cat list)"]);
});

test("an empty text runs nothing", () => {
  assert.equal(lines(""), []);
  assert.equal(lines("   \n\t"), []);
  isStatic("");
});

test.run();
