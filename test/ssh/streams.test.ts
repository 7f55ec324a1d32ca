import ssh2 from "ssh2";
import type { Client, ClientChannel } from "ssh2";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

let g: SshGatewayUnderTest;
test.before(async () => {
  g = await startSshGateway();
});
test.after(async () => {
  await g?.stop();
});

/** An SSH client in this process (to change window sizes and read slowly, which a test cannot make OpenSSH do). */
async function login(): Promise<Client> {
  const password = await g.token();
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    client.once("ready", () => resolve(client));
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port: g.port, username: "alice+web", password, readyTimeout: 20_000 });
  });
}

function exec(client: Client, command: string, options: ssh2.ExecOptions = {}): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(command, options, (error, channel) => (error ? reject(error) : resolve(channel))));
}

test("a window change reaches the target's pty", async () => {
  const client = await login();
  try {
    const channel = await exec(client, "sleep 1; stty size", { pty: { rows: 24, cols: 80, term: "xterm" } });
    let out = "";
    channel.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 400));
    channel.setWindow(50, 132, 0, 0);
    await new Promise((r) => channel.once("close", r));
    assert.match(out, /^50 132\r?\n$/);
  } finally {
    client.end();
  }
});

test("a slow reader slows the command down instead of the gateway buffering its output", async () => {
  const client = await login();
  try {
    const size = 64 * 1024 * 1024;
    const channel = await exec(client, `head -c ${size} /dev/zero`);
    channel.pause();
    const before = process.memoryUsage().rss;
    await new Promise((r) => setTimeout(r, 2000));
    // Two seconds unread: what the gateway holds meanwhile is bounded by the SSH windows, not the output.
    const grown = process.memoryUsage().rss - before;
    let received = 0;
    channel.on("data", (d: Buffer) => (received += d.length));
    channel.resume();
    await new Promise((r) => channel.once("close", r));
    assert.is(received, size);
    assert.ok(grown < 24 * 1024 * 1024, `the gateway (this process) grew ${(grown / 1048576).toFixed(1)} MiB while the reader paused`);
  } finally {
    client.end();
  }
});

test("a target that is down: the command fails with ssh's own exit status 255 and the reason, and the session stays usable", async () => {
  const other = await startSshGateway();
  try {
    await other.sshd.stop();
    const r = await other.ssh(["echo", "hi"]);
    assert.is(r.code, 255);
    assert.match(r.stderr, /^Portcullis could not run the command: target web is unreachable/);
    const again = await other.ssh(["cat", "/etc/shadow"]);
    assert.is(again.code, 1);
    assert.match(again.stderr, /Portcullis denied this command/);
  } finally {
    await other.stop().catch(() => undefined);
  }
});

test.run();
