import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as oidc from "openid-client";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { packageRoot } from "../../engine/paths.js";
import { IdentityService } from "../../engine/identity/index.js";
import { startIdentityProvider, type RunningIdentityProvider } from "../../proxy/demo/identity-provider.js";
import { startHttpServer, type RunningHttpServer } from "../../proxy/http/server.js";
import { approveDeviceCode, denyDeviceCode } from "../support/device-login.js";

/**
 * `portcullis login`, `whoami`, `token` and `logout` as a person meets them: the real command as a
 * subprocess, the real demo provider, a real gateway HTTP listener, and the sign-in approved through
 * the provider's pages with the URL and code the command printed.
 */
const ID_TOKEN_SECONDS = 6;

let idp: RunningIdentityProvider;
let service: IdentityService;
let gateway: RunningHttpServer;
let home: string;
let configDir: string;
let credentialsFile: string;

test.before(async () => {
  // Short id tokens so that a refresh happens within the test.
  idp = await startIdentityProvider({ devicePollIntervalSeconds: 1, ttl: { idToken: ID_TOKEN_SECONDS } });
  service = await IdentityService.create({
    // No clock skew: the gateway must refuse an id token the moment it expires, so only a refresh can keep `token` working.
    issuers: [{ name: "demo", issuer: idp.issuer, audience: idp.humanClientId, kind: "human", groups_claim: "groups", clock_skew_seconds: 0, login: { client_id: idp.humanClientId } }],
  });
  gateway = await startHttpServer({ identity: service, log: () => undefined });
  home = mkdtempSync(join(tmpdir(), "portcullis-login-test-"));
  configDir = join(home, "config", "portcullis");
  credentialsFile = join(configDir, "credentials.json");
});
test.after(async () => {
  await gateway.close();
  await idp.close();
  rmSync(home, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Running {
  /** Resolves with the first match of `pattern` on stdout (rejects if the command ends first). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  done: Promise<Run>;
}

/** The environment a person's shell would have: none of the test runner's PORTCULLIS_* settings leak in. */
function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, NO_COLOR: "1" };
  return { ...env, PORTCULLIS_CONFIG_DIR: configDir, ...extra };
}

function start(args: string[], extra: Record<string, string> = {}, env = environment(extra)): Running {
  const child = spawn(process.execPath, [join(packageRoot, "bin/portcullis"), ...args], { cwd: home, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      const m = w.pattern.exec(stdout);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    check();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      for (const w of waiters) w.reject(new Error(`portcullis ${args.join(" ")} ended (${code}) before printing ${w.pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  return {
    done,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
  };
}

function portcullis(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return start(args, extra).done;
}

function stored(): Record<string, unknown> {
  return JSON.parse(readFileSync(credentialsFile, "utf8")) as Record<string, unknown>;
}

/** What `portcullis login` prints for the person: the page to open and the code to type there. */
const INSTRUCTIONS = /open this page in a browser:\s+(\S+)\s+and enter the code:\s+(\S+)/;

test("every identity command has --help with its usage and exit status", async () => {
  const commands = ["login", "token", "whoami", "logout"];
  const [overview, ...helps] = await Promise.all([portcullis(["--help"]), ...commands.map((c) => portcullis([c, "--help"]))]);
  commands.forEach((command, i) => {
    const r = helps[i]!;
    assert.is(r.code, 0, command);
    assert.match(r.stdout, new RegExp(`^Usage: portcullis ${command}`), command);
    assert.match(r.stdout, /Exit status/, command);
  });
  for (const command of commands) assert.match(overview!.stdout, new RegExp(`^  ${command} `, "m"));
});

test("login: the device flow the person approves in the browser stores the tokens, readable by them only", async () => {
  const login = start(["login", "--gateway", gateway.url]);
  const [, verificationUri, userCode] = await login.waitFor(INSTRUCTIONS);
  assert.is(new URL(verificationUri!).origin, idp.issuer);
  await approveDeviceCode({ verificationUri: verificationUri!, userCode: userCode! }, "alice");
  const result = await login.done;
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /Logged in as alice@example\.com \(groups: engineering\)/);
  assert.ok(result.stdout.includes(credentialsFile), "says where the tokens went");

  assert.is(statSync(credentialsFile).mode & 0o777, 0o600);
  assert.is(statSync(configDir).mode & 0o777, 0o700);
  const saved = stored();
  assert.is(saved.issuer, idp.issuer);
  assert.is(saved.issuer_name, "demo");
  assert.is(saved.gateway, gateway.url);
  assert.type(saved.refresh_token, "string");
  const verified = await service.verify(saved.id_token as string);
  assert.ok(verified.ok && verified.identity.subject === "alice");
});

test("whoami prints the subject, groups and expiry the gateway sees (the gateway remembered from login)", async () => {
  const [r, json] = await Promise.all([portcullis(["whoami"]), portcullis(["whoami", "--format", "json"])]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^subject\s+alice$/m);
  assert.match(r.stdout, new RegExp(`^issuer\\s+${idp.issuer.replace(/\./g, "\\.")}$`, "m"));
  assert.match(r.stdout, /^kind\s+human$/m);
  assert.match(r.stdout, /^groups\s+engineering$/m);
  assert.match(r.stdout, /^expires\s+\d{4}-\d\d-\d\dT\S+Z \(in \d+ min\)$/m);
  const body = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.is(body.subject, "alice");
  assert.equal(body.groups, ["engineering"]);
});

test("token --target prints a gateway token scoped to that target, which the gateway verifies", async () => {
  const [r, json] = await Promise.all([portcullis(["token", "--target", "prod-db"], { PORTCULLIS_GATEWAY: gateway.url }), portcullis(["token", "--ttl", "120", "--format", "json"])]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/, "only the token, for PGPASSWORD=$(portcullis token …)");
  const token = r.stdout.trim();
  const verified = await service.verify(token, { target: "prod-db" });
  if (!verified.ok) return assert.unreachable(`${verified.code}: ${verified.detail}`);
  assert.is(verified.via, "gateway");
  assert.is(verified.identity.subject, "alice");
  assert.equal(verified.identity.groups, ["engineering"]);
  assert.equal(verified.targets, ["prod-db"]);
  const elsewhere = await service.verify(token, { target: "staging-db" });
  assert.is(elsewhere.ok ? "accepted" : elsewhere.code, "not_scoped_for_target");

  assert.is(json.code, 0, json.stderr);
  assert.is((JSON.parse(json.stdout) as { expires_in: number }).expires_in, 120);
});

test("an expired id token is refreshed with the refresh token, once, even by two commands at the same moment", async () => {
  const before = stored();
  const wait = (before.expires_at as number) * 1000 - Date.now() + 1200;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const stale = await service.verify(before.id_token as string);
  assert.is(stale.ok ? "accepted" : stale.code, "expired", "the stored id token alone would now be refused");

  const [first, second] = await Promise.all([portcullis(["token", "--target", "prod-db"]), portcullis(["token", "--target", "prod-db"])]);
  assert.is(first.code, 0, first.stderr);
  assert.is(second.code, 0, second.stderr);
  for (const r of [first, second]) assert.ok((await service.verify(r.stdout.trim(), { target: "prod-db" })).ok);

  const after = stored();
  assert.is.not(after.id_token, before.id_token);
  assert.ok((after.expires_at as number) > (before.expires_at as number));
  assert.is.not(after.refresh_token, before.refresh_token, "the provider rotated the refresh token and the new one was kept");
  assert.is(statSync(credentialsFile).mode & 0o777, 0o600);
  assert.not.ok(existsSync(`${credentialsFile}.lock`));
  assert.is((await portcullis(["whoami"])).code, 0);
});

test("logout removes the credentials and revokes the refresh token; whoami then says to log in", async () => {
  const refreshToken = stored().refresh_token as string;
  const r = await portcullis(["logout"]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Logged out/);
  assert.not.ok(existsSync(credentialsFile));

  const config = await oidc.discovery(new URL(idp.issuer), idp.humanClientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  try {
    await oidc.refreshTokenGrant(config, refreshToken);
    assert.unreachable("the refresh token must be revoked");
  } catch (error) {
    assert.is((error as oidc.ResponseBodyError).error, "invalid_grant");
  }

  const [who, token, again] = await Promise.all([portcullis(["whoami"]), portcullis(["token"], { PORTCULLIS_GATEWAY: gateway.url }), portcullis(["logout"])]);
  assert.is(who.code, 1, who.stderr);
  assert.match(who.stderr, /not logged in \(no credentials at .*credentials\.json\); run `portcullis login` first/);
  assert.is(token.code, 1, token.stderr);
  assert.match(token.stderr, /not logged in/);
  assert.is(again.code, 0);
  assert.match(again.stdout, /Not logged in/);
});

test("a sign-in the person cancels in the browser fails with a clear message and stores nothing", async () => {
  const login = start(["login"], { PORTCULLIS_GATEWAY: gateway.url });
  const [, verificationUri, userCode] = await login.waitFor(INSTRUCTIONS);
  await denyDeviceCode({ verificationUri: verificationUri!, userCode: userCode! });
  const result = await login.done;
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /the sign-in was denied or cancelled in the browser/);
  assert.not.ok(existsSync(credentialsFile));
});

test("mistakes are reported plainly: no gateway, a bad option, an unreachable gateway", async () => {
  const closed = await startHttpServer({ identity: service, log: () => undefined });
  await closed.close();
  const [noGateway, badTtl, unreachable] = await Promise.all([portcullis(["login"]), portcullis(["token", "--ttl", "soon"]), portcullis(["login", "--gateway", closed.url])]);
  assert.is(noGateway.code, 2, noGateway.stderr);
  assert.match(noGateway.stderr, /no gateway to ask for issuers: pass --gateway URL, set PORTCULLIS_GATEWAY/);
  assert.is(badTtl.code, 2, badTtl.stderr);
  assert.match(badTtl.stderr, /--ttl must be a positive whole number/);
  assert.is(unreachable.code, 1, unreachable.stderr);
  assert.match(unreachable.stderr, new RegExp(`cannot reach the gateway at ${closed.url.replace(/\./g, "\\.")}: ECONNREFUSED`));
});

test("the credentials directory is $PORTCULLIS_CONFIG_DIR, else $XDG_CONFIG_HOME/portcullis, else ~/.config/portcullis", async () => {
  const base = { PATH: process.env.PATH, NO_COLOR: "1" };
  const [xdg, fallback] = await Promise.all([start(["whoami"], {}, { ...base, HOME: home, XDG_CONFIG_HOME: join(home, "xdg") }).done, start(["whoami"], {}, { ...base, HOME: home }).done]);
  assert.ok(xdg.stderr.includes(`no credentials at ${join(home, "xdg", "portcullis", "credentials.json")}`), xdg.stderr);
  assert.ok(fallback.stderr.includes(`no credentials at ${join(home, ".config", "portcullis", "credentials.json")}`), fallback.stderr);
});

test.run();
