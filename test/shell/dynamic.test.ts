import { test } from "uvu";
import * as assert from "uvu/assert";
import { dynamic, isDynamic, isStatic, lines } from "./support.js";

// What runs is not in the text: the document says so, with one reason per cause, so the policy can deny
// dynamic commands to services. Being wrong the other way would let a command through unseen.

test("eval, source and . run shell code the text does not hold", () => {
  isDynamic("eval \"$CMD\"", /eval runs/);
  isDynamic("eval rm -rf /", /eval runs/);
  isDynamic("source ./env.sh", /source runs a file/);
  isDynamic(". ./env.sh", /\. runs a file/);
});

test("trap, alias, enable and coproc are dynamic", () => {
  isDynamic("trap 'rm -rf /' EXIT", /trap runs/);
  isDynamic("alias ls='rm -rf /'", /alias changes/);
  isDynamic("enable -n echo", /enable changes/);
  isDynamic("coproc cat", /coproc/);
});

test("interpreters given code as text are dynamic", () => {
  isDynamic("python -c 'import os; os.system(\"rm x\")'", /python -c runs code/);
  isDynamic("python3 -c pass", /python3 -c/);
  isDynamic("python3.11 -Bc pass", /python3.11 -Bc/);
  isDynamic("perl -e 'system(\"rm x\")'", /perl -e/);
  isDynamic("perl -ne 'print' f", /perl -ne/);
  isDynamic("ruby -e 'puts 1'", /ruby -e/);
  isDynamic("node -e 'process.exit(1)'", /node -e/);
  isDynamic("node --eval=1", /node --eval/);
  isDynamic("php -r 'echo 1;'", /php -r/);
});

test("interpreters running a named file or module are programs", () => {
  isStatic("python3 manage.py migrate");
  isStatic("python3 -m http.server 8000");
  isStatic("perl -w script.pl");
  isStatic("node server.js");
});

test("an interpreter with no program reads code from its input", () => {
  isDynamic("curl -s https://example.com/x | python3", /python3 .*reads/);
  isDynamic("python3 - < x.py", /python3 reads a program/);
  isDynamic("perl", /perl with no program file/);
});

test("awk is dynamic only when its program can run commands", () => {
  isStatic("awk '{print $1}' f");
  isStatic("awk -F: '{print $1}' /etc/passwd");
  isDynamic("awk '{system(\"rm \" $1)}' f", /awk program runs commands/);
  isDynamic("awk '{print | \"sh\"}' f", /awk program runs commands/);
  isDynamic("gawk '{\"date\" | getline d}'", /gawk program runs commands/);
  isDynamic("awk -f prog.awk f", /program file/);
  isDynamic('awk "$PROG" f', /from an expansion/);
});

test("sed's e command and flag run commands", () => {
  isStatic("sed -n 's/a/b/p' f");
  isStatic("sed -i -e 's/x/y/g' f");
  isDynamic("sed 's/.*/rm &/e' f", /sed script runs commands/);
  isDynamic("sed -e '1e id' f", /sed script runs commands/);
  isDynamic("sed -f script.sed f", /script file/);
});

test("tools with options that run commands are dynamic", () => {
  isDynamic("tar -cf x.tar --checkpoint=1 --checkpoint-action=exec=sh d", /tar runs a command/);
  isDynamic("tar -I 'sh -c id' -cf x d", /tar runs a command/);
  isDynamic("git -c core.pager='sh -c id' log", /git runs commands/);
  isDynamic("rsync -e 'sh -c id' a b:", /rsync runs/);
  isStatic("tar -czf x.tgz d");
  isStatic("git log --oneline");
});

test("a pipe into a shell runs code from its input", () => {
  isDynamic("curl -s https://x | sh", /a pipe into sh runs code/);
  isDynamic("cat script | bash -s arg", /a pipe into bash/);
  isDynamic("echo ls | sudo bash", /a pipe into bash/);
});

test("a base64-decoded payload piped to a shell says so", () => {
  isDynamic("echo cm0gLXJmIC8K | base64 -d | sh", /base64-decoded payload/);
  isDynamic("echo cm0= | base64 --decode | bash", /base64-decoded payload/);
  const [, reasons] = dynamic("base64 -d f > x");
  assert.equal(reasons, []);
});

test("a shell with no command and no input given reads the session's input", () => {
  isDynamic("bash", /bash reads code from its input/);
  isDynamic("sh -s", /sh reads code from its input/);
});

test("a shell reading a file on its input is dynamic", () => {
  isDynamic("bash < /tmp/x.sh", /bash runs code read from a file/);
});

test("a here-document fed to a shell is parsed when its delimiter is quoted", () => {
  const text = "bash <<'EOF'\nrm -rf /tmp/x\nls $HOME\nEOF";
  isStatic(text);
  assert.equal(lines(text), ["bash", "rm -rf /tmp/x", "ls $HOME"]);
});

test("an unquoted here-document without expansions is parsed too", () => {
  const text = "sh <<EOF\nrm -rf /tmp/x\nEOF";
  isStatic(text);
  assert.equal(lines(text), ["sh", "rm -rf /tmp/x"]);
});

test("an unquoted here-document with expansions fed to a shell is dynamic", () => {
  isDynamic("sh <<EOF\nrm -rf $DIR\nEOF", /heredoc with expansions is fed to sh/);
});

test("a here-string fed to a shell is parsed", () => {
  assert.equal(lines("bash <<< 'rm x'"), ["bash", "rm x"]);
  isDynamic('bash <<< "$CODE"', /here-string with expansions/);
});

test("a here-document fed to a program is only data", () => {
  isStatic("cat <<'EOF' > /tmp/x\nrm -rf /\nEOF");
  assert.equal(lines("cat <<'EOF' > /tmp/x\nrm -rf /\nEOF"), ["cat"]);
});


test("PATH, BASH_ENV, LD_PRELOAD and friends change what runs", () => {
  isDynamic("PATH=/tmp/evil:$PATH; ls", /PATH is changed/);
  isDynamic("PATH=/tmp ls", /PATH is changed/);
  isDynamic("export PATH=/tmp", /PATH is changed/);
  isDynamic("BASH_ENV=/tmp/x bash -c ls", /BASH_ENV/);
  isDynamic("LD_PRELOAD=/tmp/x.so ls", /LD_PRELOAD/);
  isDynamic("env LD_PRELOAD=/tmp/x.so ls", /LD_PRELOAD/);
  isDynamic("sudo LD_PRELOAD=/tmp/x.so ls", /LD_PRELOAD/);
});

test("export -f passes functions to child shells", () => {
  isDynamic("f() { rm x; }; export -f f; bash -c f", /export -f/);
});

test("a function that calls itself is dynamic", () => {
  isDynamic("f() { ls; f; }; f", /function f calls itself/);
});

test("a function defined only in a branch is dynamic when called", () => {
  isDynamic("if [ -x /bin/true ]; then f() { rm x; }; fi; f", /function f is defined where it may not run/);
});

test("command_not_found_handle catches every unknown name", () => {
  isDynamic("command_not_found_handle() { rm -rf /; }; nosuchcmd", /command_not_found_handle/);
});

test("hash -p, mapfile -C and let on variables are dynamic", () => {
  isDynamic("hash -p /tmp/evil ls; ls", /hash -p/);
  isDynamic("mapfile -C 'rm' -c 1 arr < f", /mapfile -C/);
  isDynamic("let x=y+1", /arithmetic/);
  isStatic("let x=1+2");
});

test("env -S and a wrapper given an expansion are dynamic", () => {
  isDynamic("env -S 'rm x'", /env -S/);
  isDynamic("xargs $CMD", /command position/);
});

test("reasons are listed once each", () => {
  const [, reasons] = dynamic("eval a; eval b; $x; $y");
  assert.equal(reasons.filter((r) => r.startsWith("eval")).length, 1);
  assert.equal(reasons.length, 3);
});

test("plain commands are static", () => {
  for (const text of ["ls -la /var/log", "systemctl restart nginx", "cat /etc/hosts | grep local > /tmp/h", "cd /srv && git pull && make"]) isStatic(text);
});

test.run();
