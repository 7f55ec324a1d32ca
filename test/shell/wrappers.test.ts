import { test } from "uvu";
import * as assert from "uvu/assert";
import { isDynamic, isStatic, lines, only, parsed, programs, vias } from "./support.js";

// Wrappers run another command: both are listed, the inner one with the wrapper in `via`, so a policy on
// `rm` holds however many wrappers stand in front of it.

test("sudo runs its command as root, or as the -u user", () => {
  assert.equal(lines("sudo rm -rf /tmp/x"), ["sudo rm -rf /tmp/x", "rm -rf /tmp/x"]);
  assert.equal(vias("sudo rm x", "rm"), ["wrapper:sudo@root"]);
  assert.equal(vias("sudo -u postgres psql", "psql"), ["wrapper:sudo@postgres"]);
  assert.equal(vias("sudo -upostgres psql", "psql"), ["wrapper:sudo@postgres"]);
  assert.equal(vias("sudo --user=www id", "id"), ["wrapper:sudo@www"]);
});

test("sudo's options with arguments are skipped, flags too", () => {
  assert.equal(programs("sudo -E -H -g adm -n -- systemctl restart nginx"), ["sudo -E -H -g adm -n -- systemctl restart nginx", "systemctl restart nginx"]);
  assert.equal(programs("sudo -nu bob ls"), ["sudo -nu bob ls", "ls"]);
});

test("sudo passes environment settings to the command as assignments", () => {
  const c = only("sudo LD_DEBUG=1 FOO=bar ls", "ls");
  assert.equal(c.assignments, [{ name: "LD_DEBUG", value: "1", dynamic: false }, { name: "FOO", value: "bar", dynamic: false }]);
});

test("sudo -l, -v and -e run nothing else", () => {
  assert.equal(programs("sudo -l"), ["sudo -l"]);
  assert.equal(programs("sudo -e /etc/hosts"), ["sudo -e /etc/hosts"]);
});

test("sudo -s or -i with no command opens a shell reading its input", () => {
  isDynamic("sudo -i", /reads code from its input/);
  isDynamic("sudo -s", /reads code from its input/);
});

test("env runs its command after options and assignments", () => {
  assert.equal(programs("env -i PATH=/bin A=1 rm x"), ["env -i PATH=/bin A=1 rm x", "rm x"]);
  assert.equal(only("env -u HOME -C /tmp rm x", "rm").via, [{ kind: "wrapper", program: "env" }]);
  assert.equal(programs("env - rm x"), ["env - rm x", "rm x"]);
});

test("env -S splits a string into a command: dynamic", () => {
  isDynamic("env -S 'rm -rf /'", /env -S/);
});

test("a builtin name after a program wrapper is the program", () => {
  const c = only("sudo echo hi", "echo");
  assert.is(c.builtin, false);
  assert.is(only("echo hi", "echo").builtin, true);
  assert.is(only("env kill 1", "kill").builtin, false);
});

test("nohup, nice, timeout, stdbuf, setsid and ionice run the rest", () => {
  assert.equal(programs("nohup rm x"), ["nohup rm x", "rm x"]);
  assert.equal(programs("nice -n 10 rm x"), ["nice -n 10 rm x", "rm x"]);
  assert.equal(programs("nice rm x"), ["nice rm x", "rm x"]);
  assert.equal(programs("timeout 5 rm x"), ["timeout 5 rm x", "rm x"]);
  assert.equal(programs("timeout -s KILL -k 2 5s rm x"), ["timeout -s KILL -k 2 5s rm x", "rm x"]);
  assert.equal(programs("timeout --signal=TERM 5 rm x"), ["timeout --signal=TERM 5 rm x", "rm x"]);
  assert.equal(programs("stdbuf -oL rm x"), ["stdbuf -oL rm x", "rm x"]);
  assert.equal(programs("setsid -f rm x"), ["setsid -f rm x", "rm x"]);
  assert.equal(programs("ionice -c 3 rm x"), ["ionice -c 3 rm x", "rm x"]);
});

test("wrappers stack, outermost first in via", () => {
  assert.equal(vias("sudo -u bob env A=1 nice -n 5 timeout 3 nohup rm -f x", "rm"), ["wrapper:sudo@bob", "wrapper:env", "wrapper:nice", "wrapper:timeout", "wrapper:nohup"]);
});

test("command runs its command but not a function of that name", () => {
  assert.equal(vias("command rm x", "rm"), ["wrapper:command"]);
  assert.equal(lines("rm() { echo no; }; command rm x"), ["command rm x", "rm x"]);
  assert.equal(lines("command -v rm"), ["command -v rm"]);
});

test("exec replaces the shell with a program, with -a naming its argv[0]", () => {
  assert.equal(vias("exec rm x", "rm"), ["wrapper:exec"]);
  assert.equal(only("exec -a sshd rm x", "rm").argv, ["sshd", "x"]);
  assert.is(only("exec echo hi", "echo").builtin, false);
  assert.equal(lines("exec 3>/tmp/log"), ["exec"]);
});

test("builtin runs a builtin, and builtin eval is still eval", () => {
  assert.equal(lines("builtin echo hi"), ["builtin echo hi", "echo hi"]);
  isDynamic("builtin eval 'rm x'", /eval/);
});

test("time runs its pipeline", () => {
  assert.equal(vias("time rm x", "rm"), ["wrapper:time"]);
  assert.equal(vias("time -p rm x", "rm"), ["wrapper:time"]);
});

test("xargs runs its command with arguments from its input", () => {
  const c = only("find . -name '*.tmp' | xargs rm -f", "rm");
  assert.equal([c.argv, c.argv_dynamic], [["rm", "-f"], true]);
  assert.equal(vias("ls | xargs -0 -n 1 -P 4 rm", "rm"), ["pipeline", "wrapper:xargs"]);
  assert.equal(vias("ls | xargs -I{} mv {} /tmp", "mv"), ["pipeline", "wrapper:xargs"]);
});

test("xargs with no command runs echo, the program", () => {
  const c = only("ls | xargs", "echo");
  assert.equal([c.builtin, c.argv_dynamic], [false, true]);
});

test("find -exec, -execdir, -ok run their commands; {} is dynamic", () => {
  assert.equal(programs("find /tmp -name x -exec rm -f {} \\;"), ["find /tmp -name x -exec rm -f {} ;", "rm -f {}"]);
  assert.ok(only("find . -exec rm {} +", "rm").argv_dynamic);
  assert.equal(programs("find . -execdir chmod 600 {} ';' -ok touch z \\;"), ["find . -execdir chmod 600 {} ; -ok touch z ;", "chmod 600 {}", "touch z"]);
  assert.not.ok(only("find . -exec touch z \\;", "touch").argv_dynamic);
});

test("find without -exec runs nothing else", () => {
  assert.equal(programs("find / -name shadow -delete"), ["find / -name shadow -delete"]);
});

test("sh -c, bash -c, dash -c and zsh -c parse their string again", () => {
  for (const shell of ["sh", "bash", "dash", "zsh"]) {
    assert.equal(programs(`${shell} -c 'rm -rf /tmp/x; ls'`), [`${shell} -c rm -rf /tmp/x; ls`, "rm -rf /tmp/x", "ls"]);
    assert.equal(vias(`${shell} -c 'rm x'`, "rm"), [`shell:${shell}`]);
  }
});

test("shell options before -c and combined flags are read", () => {
  assert.equal(programs("bash -e -o pipefail -c 'rm x'"), ["bash -e -o pipefail -c rm x", "rm x"]);
  assert.equal(programs("bash -xc 'rm x' name arg"), ["bash -xc rm x name arg", "rm x"]);
  assert.equal(programs("bash --norc --noprofile -c 'rm x'"), ["bash --norc --noprofile -c rm x", "rm x"]);
});

test("shells nest, each level parsed again", () => {
  assert.equal(vias(`sh -c "bash -c 'sudo rm x'"`, "rm"), ["shell:sh", "shell:bash", "wrapper:sudo@root"]);
});

test("nesting past the depth limit is dynamic", () => {
  let text = "rm x";
  for (let i = 0; i < 10; i++) text = `sh -c ${JSON.stringify(text).replace(/\$/g, "\\$")}`;
  isDynamic(text, /nested too deep/);
});

test("sh -c given an expansion is dynamic", () => {
  isDynamic('sh -c "$CMD"', /sh runs shell code from an expansion/);
  isDynamic("bash -c \"rm $x\"", /from an expansion/);
});

test("sh -c with code that does not parse is dynamic", () => {
  isDynamic("sh -c 'rm (('", /does not parse/);
});

test("a shell running a script file is a program like any other", () => {
  isStatic("bash ./deploy.sh prod");
  assert.equal(programs("bash ./deploy.sh prod"), ["bash ./deploy.sh prod"]);
});

test("bash -i loads startup files and aliases: dynamic", () => {
  isDynamic("bash -ic 'ls'", /loads startup files/);
});

test("su -c runs its string as shell code as the user", () => {
  assert.equal(vias("su -c 'rm x' postgres", "rm"), ["shell:su@postgres"]);
  assert.equal(vias("su - postgres -c 'rm x'", "rm"), ["shell:su@postgres"]);
  assert.equal(vias("su -c 'rm x'", "rm"), ["shell:su@root"]);
  isDynamic("su postgres", /reads code from its input/);
});

test("ssh HOST CMD runs the joined words on the host", () => {
  assert.equal(vias("ssh db1 rm -rf /tmp/x", "rm"), ["shell:ssh#db1"]);
  assert.equal(vias("ssh -p 2222 -i key alice@db1 'rm x; ls'", "rm"), ["shell:ssh@alice#db1"]);
  assert.equal(vias("ssh db1 'rm x' '&&' ls", "ls"), ["shell:ssh#db1", "and"]);
  assert.equal(programs("ssh -l bob db1 uptime"), ["ssh -l bob db1 uptime", "uptime"]);
});

test("ssh with no command opens a remote shell reading its input", () => {
  isDynamic("ssh db1", /reads code from its input/);
  assert.equal(programs("ssh -N -L 5432:db:5432 bastion"), ["ssh -N -L 5432:db:5432 bastion"]);
});

test("ssh with a ProxyCommand runs a local command", () => {
  isDynamic("ssh -o ProxyCommand='nc %h %p' db1 ls", /ssh runs a local command/);
});

test("watch runs its words as shell code, repeatedly", () => {
  assert.equal(vias("watch -n 5 'rm x'", "rm"), ["shell:watch"]);
});

test("busybox runs its applet", () => {
  assert.equal(programs("busybox rm -rf /tmp/x"), ["busybox rm -rf /tmp/x", "rm -rf /tmp/x"]);
});

test("doas runs as root or the -u user", () => {
  assert.equal(vias("doas -u bob rm x", "rm"), ["wrapper:doas@bob"]);
});

test("a wrapper whose options hold an expansion is dynamic", () => {
  isDynamic("sudo $OPTS rm x", /command position|options hold/);
  isDynamic("timeout $T rm x", /options hold|command position/);
});

test("a wrapper's redirections apply to what it runs", () => {
  const rm = only("sudo rm x > /tmp/out", "rm");
  assert.equal(rm.redirects.map((r) => [r.op, r.target, r.writes]), [[">", "/tmp/out", true]]);
  assert.equal(parsed("sudo rm x > /tmp/out").commands.length, 2);
});

test.run();
