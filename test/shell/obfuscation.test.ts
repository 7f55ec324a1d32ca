import { test } from "uvu";
import * as assert from "uvu/assert";
import { isDynamic, isStatic, lines, only, programs } from "./support.js";

// Every spelling bash reads as `rm` must come out as `rm`: the policy matches on what runs, not on how
// it was typed. Spellings whose result the text cannot tell are dynamic instead.

const SPELLINGS_OF_RM: Array<[string, string]> = [
  ["a backslash inside the name", "r\\m -rf /tmp/x"],
  ["two single-quoted halves", "'r''m' -rf /tmp/x"],
  ["double quotes", '"rm" -rf /tmp/x'],
  ["a quoted and an unquoted half", 'r"m" -rf /tmp/x'],
  ["ANSI-C hex escapes", "$'\\x72\\x6d' -rf /tmp/x"],
  ["ANSI-C octal escapes", "$'\\162\\155' -rf /tmp/x"],
  ["ANSI-C unicode escapes", "$'\\u0072m' -rf /tmp/x"],
  ["a locale string", '$"rm" -rf /tmp/x'],
  ["backslash-newline inside the name", "r\\\nm -rf /tmp/x"],
  ["an empty quoted piece", "''rm -rf /tmp/x"],
  ["escaped letters throughout", "\\r\\m -rf /tmp/x"],
  ["a quoted first letter", '"r"m -rf /tmp/x'],
];

for (const [how, text] of SPELLINGS_OF_RM) {
  test(`rm spelled with ${how} is rm`, () => {
    assert.equal(lines(text), ["rm -rf /tmp/x"]);
    isStatic(text);
  });
}

test("a path names the program by its basename and keeps the path", () => {
  const c = only("/bin/rm -rf /tmp/x", "rm");
  assert.equal([c.program, c.path, c.argv], ["rm", "/bin/rm", ["/bin/rm", "-rf", "/tmp/x"]]);
  assert.is(only("./rm x", "rm").path, "./rm");
  assert.is(only("/usr/bin/../bin/rm x", "rm").path, "/usr/bin/../bin/rm");
});

test("a quoted path is a path", () => {
  assert.is(only("'/bin/rm' x", "rm").path, "/bin/rm");
  assert.is(only("/bin/'r'm x", "rm").path, "/bin/rm");
});

test("a command substitution in command position is dynamic, and what it runs is listed", () => {
  isDynamic("$(echo rm) -rf /", /command position: \$\(echo rm\)/);
  assert.equal(lines("$(echo rm) -rf /"), ["echo rm", "$(echo rm) -rf /"]);
  isDynamic("`echo rm` -rf /", /command position/);
});

test("parameter expansions in command position are dynamic", () => {
  isDynamic("${X:-rm} -rf /", /command position: \$\{X:-rm\}/);
  isDynamic("$X -rf /", /command position/);
  isDynamic('"$X" -rf /', /command position/);
  isDynamic("r${X}m -rf /", /command position/);
  isDynamic("$'r'$X -rf /", /command position/);
});


test("globs in command position are dynamic", () => {
  isDynamic("/bin/r? -rf /", /glob in command position/);
  isDynamic("/bin/r* -rf /", /glob in command position/);
  isDynamic("/bin/[r]m -rf /", /glob in command position/);
});

test("a quoted glob character is literal", () => {
  isStatic("'r*' x");
  assert.equal(lines("'r*' x"), ["r* x"]);
});

test("a tilde in command position is dynamic: it is a home directory", () => {
  isDynamic("~/bin/rm x", /command position/);
  isDynamic("~root/rm x", /command position/);
});

test("IFS tricks make the whole text dynamic", () => {
  isDynamic("IFS=,; x=rm,-rf,/; $x", /IFS is changed/);
  isDynamic("export IFS=x", /IFS is changed/);
  isDynamic("declare IFS=.; cmd", /IFS is changed/);
  isDynamic("${IFS}rm x", /command position/);
  isDynamic("rm${IFS}-rf x", /command position/);
});

test("IFS for one builtin (the read idiom) does not change how the text is read", () => {
  isStatic("IFS= read -r line");
});

test("brace expansion in arguments is expanded as bash does", () => {
  assert.equal(lines("rm /tmp/{a,b}"), ["rm /tmp/a /tmp/b"]);
  assert.equal(lines("rm {x,y}{1,2}"), ["rm x1 x2 y1 y2"]);
  assert.equal(lines("rm f{1..3}"), ["rm f1 f2 f3"]);
  assert.equal(lines("rm f{3..1}"), ["rm f3 f2 f1"]);
  assert.equal(lines("rm f{01..03}"), ["rm f01 f02 f03"]);
  assert.equal(lines("rm f{a..c}"), ["rm fa fb fc"]);
  assert.equal(lines("rm f{1..7..3}"), ["rm f1 f4 f7"]);
  assert.equal(lines("rm a{,b}"), ["rm a ab"]);
  assert.equal(lines("rm {a,{b,c}}d"), ["rm ad bd cd"]);
});

test("braces bash leaves alone stay as written", () => {
  assert.equal(lines("rm {a} {} x{y z}"), ["rm {a} {} x{y z}"]);
  assert.equal(lines("rm '{a,b}' \\{a,b}"), ["rm {a,b} {a,b}"]);
  assert.equal(lines('rm "{a,b}"'), ["rm {a,b}"]);
  assert.equal(lines("rm {1..a}"), ["rm {1..a}"]);
});


test("ANSI-C quoting decodes every escape bash knows", () => {
  assert.equal(only("printf $'a\\tb\\nc\\\\d\\'e'", "printf").argv[1], "a\tb\nc\\d'e");
  assert.equal(only("printf $'\\e[0m\\a'", "printf").argv[1], "\x1b[0m\x07");
  assert.equal(only("printf $'\\cA'", "printf").argv[1], "\x01");
  assert.equal(only("printf $'ab\\0cd'", "printf").argv[1], "ab");
  assert.equal(only("printf $'\\U0001F600'", "printf").argv[1], "\u{1F600}");
  assert.equal(only("printf $'\\q'", "printf").argv[1], "\\q");
});

test("double quotes keep a backslash unless it escapes $ ` \" \\ or newline", () => {
  assert.equal(only('printf "a\\b\\$c\\"d\\\\e"', "printf").argv[1], 'a\\b$c"d\\e');
});

test("backslash-newline continues a line between words and inside words", () => {
  assert.equal(lines("rm \\\n-rf \\\n/tmp/x"), ["rm -rf /tmp/x"]);
  assert.equal(lines("rm -r\\\nf x"), ["rm -rf x"]);
});

test("backslash-newline inside single quotes is kept", () => {
  assert.equal(lines("printf 'a\\\nb'"), ["printf a\\\nb"]);
});

test("a comment does not continue onto the next line", () => {
  assert.equal(programs("ls # a comment \\\nrm x"), ["ls", "rm x"]);
});

test("empty quotes are an empty argument, not none", () => {
  assert.equal(only("rm '' \"\" x", "rm").argv, ["rm", "", "", "x"]);
});

test("\"$@\" and other expansions in arguments are kept as written and flagged", () => {
  const c = only('rm "$@" $x ${y} "$(pwd)/z" *.log', "rm");
  assert.equal(c.argv, ["rm", '"$@"', "$x", "${y}", '"$(pwd)/z"', "*.log"]);
  assert.ok(c.argv_dynamic);
  isStatic('rm "$@"');
});

test("a glob in an argument flags the arguments, not the text", () => {
  const c = only("rm -f /tmp/*.log", "rm");
  assert.ok(c.argv_dynamic);
  isStatic("rm -f /tmp/*.log");
  assert.not.ok(only("rm -f '/tmp/*.log'", "rm").argv_dynamic);
});

test("a tilde in an argument is an expansion", () => {
  assert.ok(only("rm ~/x", "rm").argv_dynamic);
  assert.not.ok(only("rm '~/x' a~b", "rm").argv_dynamic);
});

test("arithmetic on a variable is dynamic: its value may hold a substitution", () => {
  isDynamic("echo $((x + 1))", /arithmetic/);
  isDynamic("(( n++ ))", /arithmetic/);
  isDynamic("[[ $n -eq 1 ]] && ls", /arithmetic/);
  isStatic("echo $((1 + 2))");
  isStatic("for ((i=0; i<3; i++)); do ls; done");
  isDynamic("for ((i=x; i<3; i++)); do ls; done", /arithmetic/);
});

test.run();
