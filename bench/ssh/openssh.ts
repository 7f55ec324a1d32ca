/**
 * The real OpenSSH client, two ways: straight to sshd with the key (direct), and through the gateway
 * with a token as the password under `sshpass` (whose own cost is timed apart: sshpassMs).
 */
import { spawn } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import type { GatewayReady } from "./gateway-child.js";

export const PATHS = ["direct", "gateway"] as const;
export type SshPath = (typeof PATHS)[number];

const COMMON = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"];

/** The program, its arguments before the destination, the destination and the environment for one path. */
export interface Invocation {
  program: string;
  args: string[];
  destination: { user: string; port: number };
  env: NodeJS.ProcessEnv;
}

export function invocation(path: SshPath, g: GatewayReady, client: "ssh" | "scp"): Invocation {
  const portFlag = client === "ssh" ? "-p" : "-P";
  const scpFlags = client === "scp" ? ["-O", "-q"] : [];
  if (path === "gateway") {
    const args = ["-e", client, ...COMMON, ...scpFlags, portFlag, String(g.port), "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1"];
    return { program: "sshpass", args, destination: { user: "alice+web", port: g.port }, env: { ...process.env, SSHPASS: g.token } };
  }
  const direct = [...COMMON, ...scpFlags, portFlag, String(g.sshd.port), "-i", g.keyFile, "-o", "BatchMode=yes"];
  return { program: client, args: direct, destination: { user: g.sshd.user, port: g.sshd.port }, env: process.env };
}

/** The median ms `sshpass -e true` takes over plain `true`: the token login's wrapper, without ssh. */
export async function sshpassMs(samples: number): Promise<number> {
  const wrapped: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < samples; i++) {
    wrapped.push((await runTimed("sshpass", ["-e", "true"], { ...process.env, SSHPASS: "x" })).seconds * 1000);
    plain.push((await runTimed("true", [], process.env)).seconds * 1000);
  }
  const median = (v: number[]): number => v.sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
  return median(wrapped) - median(plain);
}

export interface Finished {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs one client to completion, stdin from `stdinFile` (or nothing), and times it from spawn to exit. */
export function runTimed(program: string, args: string[], env: NodeJS.ProcessEnv, stdinFile?: string): Promise<Finished> {
  const fd = stdinFile ? openSync(stdinFile, "r") : "ignore";
  const began = process.hrtime.bigint();
  const child = spawn(program, args, { env, stdio: [fd, "pipe", "pipe"] });
  if (typeof fd === "number") closeSync(fd);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, seconds: Number(process.hrtime.bigint() - began) / 1e9 });
    });
  });
}

/** `ssh HOST COMMAND` on one path. */
export function sshCommand(path: SshPath, g: GatewayReady, command: string, stdinFile?: string): Promise<Finished> {
  const { program, args, destination, env } = invocation(path, g, "ssh");
  return runTimed(program, [...args, `${destination.user}@127.0.0.1`, command], env, stdinFile);
}

/** `scp -O FILE HOST:REMOTE` on one path (the legacy scp protocol: an exec of `scp -t REMOTE`). */
export function scpUpload(path: SshPath, g: GatewayReady, file: string, remote: string): Promise<Finished> {
  const { program, args, destination, env } = invocation(path, g, "scp");
  return runTimed(program, [...args, file, `${destination.user}@127.0.0.1:${remote}`], env);
}
