/**
 * Gateway bugs the SSH fuzzer (fuzz.test.ts) found, each reduced to its smallest reproduction and
 * kept as a regression test: a second request on a busy channel took the whole process down, and
 * connections that never logged in were never dropped.
 */
import { spawnSync } from "node:child_process";
import { connect, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import ssh2 from "ssh2";
import type { Client, ClientChannel } from "ssh2";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startSshGatewayProcess, type SshGatewayProcess } from "../../bench/ssh/gateway-process.js";
import { injectPayload } from "../support/ssh-fuzz-client.js";
import { sshString, u32 } from "../support/ssh-mutants.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

/** The login grace time the test gives its gateway (config ssh.login_grace_seconds; default 30, OpenSSH's LoginGraceTime 120). */
const LOGIN_GRACE_SECONDS = 4;

function login(port: number, password: string): Promise<Client> {
  const client = new ssh2.Client();
  return new Promise((resolve, reject) => {
    client.once("ready", () => resolve(client));
    client.once("error", reject);
    client.connect({ host: "127.0.0.1", port, username: "alice+web", password, readyTimeout: 20_000 });
  });
}

function exec(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel))));
}

/** SSH_MSG_CHANNEL_REQUEST (RFC 4254 §6.5) for the server's channel `recipient`. */
function channelRequest(recipient: number, type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([98]), u32(recipient), sshString(type), Buffer.from([0]), body]);
}

/** The server's number for a channel ssh2's Client opened (its `outgoing` side). */
const serverId = (channel: ClientChannel): number => (channel as unknown as { outgoing: { id: number } }).outgoing.id;

test("a second exec on one session channel is refused without taking the gateway process down", async () => {
  // The gateway as its own process, with Node's default for an unhandled rejection (the process exits).
  const gateway: SshGatewayProcess = await startSshGatewayProcess();
  const client = await login(gateway.port, gateway.token);
  const channel = await exec(client, "cat /etc/shadow");
  // ssh2's server hands the gateway `undefined` for a second exec on a channel that already has one;
  // channel-relay.ts finish() then reads `.stderr` of it inside an un-awaited promise.
  injectPayload(client, channelRequest(serverId(channel), "exec", sshString("cat /etc/shadow")));
  await delay(1500);
  client.end();
  const alive = await login(gateway.port, gateway.token).then(
    (c) => (c.end(), true),
    () => false,
  );
  // stop() fails, with the child's stderr, when the process had already exited.
  const exit = await gateway.stop().then(
    () => "",
    (error: Error) => error.message,
  );
  // A gateway that died cannot stop the sshd it started: find it by its port.
  if (!alive) stopListener(gateway.sshd.port);
  assert.ok(alive, `the gateway process no longer accepts connections: ${exit.slice(0, 1500)}`);
});

/** SIGTERM to the process listening on 127.0.0.1:`port` (as `ss` reports it). */
function stopListener(port: number): void {
  const out = spawnSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" }).stdout;
  for (const m of out.matchAll(/pid=(\d+)/g)) process.kill(Number(m[1]), "SIGTERM");
}

let g: SshGatewayUnderTest;
const uncaught: string[] = [];
const onUncaught = (error: unknown): void => void uncaught.push(error instanceof Error ? (error.stack ?? error.message) : String(error));

test("requests on a channel that already runs something, or is closing, throw nothing in the gateway", async () => {
  process.on("unhandledRejection", onUncaught);
  process.on("uncaughtException", onUncaught);
  g = await startSshGateway();
  try {
    const client = await login(g.port, await g.token());
    for (const [second, body] of [["subsystem", sshString("sftp")], ["exec", sshString("true")]] as const) {
      const channel = await exec(client, "cat /etc/shadow");
      injectPayload(client, channelRequest(serverId(channel), second, body));
    }
    const closing = await exec(client, "cat /etc/shadow");
    injectPayload(client, Buffer.concat([Buffer.from([97]), u32(serverId(closing))]));
    injectPayload(client, channelRequest(serverId(closing), "exec", sshString("cat /etc/shadow")));
    await delay(1500);
    client.end();
    assert.equal(uncaught, []);
  } finally {
    await g.stop();
    process.off("unhandledRejection", onUncaught);
    process.off("uncaughtException", onUncaught);
  }
});

test(`a connection that never authenticates is dropped after the login grace time (${LOGIN_GRACE_SECONDS} s here)`, async () => {
  g = await startSshGateway({ loginGraceSeconds: LOGIN_GRACE_SECONDS });
  const sockets: Socket[] = [];
  try {
    const closedAt = new Map<string, number>();
    const began = Date.now();
    const watch = (name: string, socket: Socket): Socket => {
      sockets.push(socket);
      socket.on("error", () => undefined);
      socket.on("data", () => undefined);
      socket.on("close", () => closedAt.set(name, (Date.now() - began) / 1000));
      return socket;
    };
    watch("sends nothing", connect({ host: "127.0.0.1", port: g.port }));
    const ident = watch("identification line, then nothing", connect({ host: "127.0.0.1", port: g.port }));
    ident.once("connect", () => ident.write("SSH-2.0-idle\r\n"));
    await delay((LOGIN_GRACE_SECONDS + 2) * 1000);
    const open = ["sends nothing", "identification line, then nothing"].filter((n) => !closedAt.has(n));
    assert.equal(open, [], `still open after ${LOGIN_GRACE_SECONDS + 2} s: ${open.join(", ")}`);
  } finally {
    for (const s of sockets) s.destroy();
    await g.stop();
  }
});

test.run();
