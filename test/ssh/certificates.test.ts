import { spawnSync } from "node:child_process";
import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { IDENTITY_EXTENSION, SshCertificateAuthority } from "../../proxy/ssh/certificates/authority.js";
import { CERT_TYPE, issueCertificate, rawPublicKey } from "../../proxy/ssh/certificates/user-certificate.js";
import { ALICE } from "../support/pg-gateway.js";
import { portcullis } from "../support/cli.js";
import { run } from "../support/run.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

let g: SshGatewayUnderTest;
let work: string;
test.before(async () => {
  g = await startSshGateway();
  work = mkdtempSync(join(tmpdir(), "portcullis-ssh-certs-"));
});
test.after(async () => {
  await g?.stop();
  rmSync(work, { recursive: true, force: true });
});

let keys = 0;
/** A fresh ed25519 key pair made by ssh-keygen, as a user would have. */
function newKey(): { path: string; publicLine: string } {
  const path = join(work, `id_${keys++}`);
  const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path], { encoding: "utf8" });
  assert.is(made.status, 0, made.stderr);
  return { path, publicLine: readFileSync(`${path}.pub`, "utf8").trim() };
}

async function requestCertificate(token: string, publicKey: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${g.gateway.http.url}/v1/ssh/certificate`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ public_key: publicKey }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Plain OpenSSH with a key and certificate, no password, no prompt (BatchMode), the gateway's host key pinned. */
async function sshWithCertificate(key: string, certificate: string, command: string[], login = "alice+web"): Promise<{ code: number; stdout: string; stderr: string }> {
  const hostKey = readFileSync(join(g.dir, "ssh_host_ed25519_key.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  const knownHosts = join(work, "known_hosts");
  writeFileSync(knownHosts, `[127.0.0.1]:${g.port} ${hostKey}\n`);
  writeFileSync(`${key}-cert.pub`, `${certificate}\n`);
  return run("ssh", ["-F", "/dev/null", "-p", String(g.port), "-i", key, "-o", `CertificateFile=${key}-cert.pub`, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "LogLevel=ERROR", `${login}@127.0.0.1`, ...command], process.env);
}

test("a token buys a certificate; plain ssh logs in with it, no prompt, host key checked", async () => {
  const key = newKey();
  const issued = await requestCertificate(await g.token(), key.publicLine);
  assert.is(issued.status, 200, JSON.stringify(issued.body));
  assert.match(String(issued.body.certificate), /^ssh-ed25519-cert-v01@openssh\.com /);
  assert.is(issued.body.principal, ALICE.subject);
  const r = await sshWithCertificate(key.path, String(issued.body.certificate), ["echo", "certified"]);
  assert.equal(r, { code: 0, stdout: "certified\n", stderr: "" });
  // ssh-keygen reads the certificate as OpenSSH does.
  const shown = spawnSync("ssh-keygen", ["-L", "-f", `${key.path}-cert.pub`], { encoding: "utf8" });
  assert.match(shown.stdout, /Type: ssh-ed25519-cert-v01@openssh.com user certificate/);
  assert.match(shown.stdout, new RegExp(`Principals: \\n\\s+${ALICE.subject.replace(".", "\\.")}`));
});

test("portcullis ssh login writes key, certificate, known_hosts and an ssh_config; the printed line works as is", async () => {
  const dir = join(work, "login");
  const login = await portcullis(["ssh", "login", "--gateway", g.gateway.http.url, "--dir", dir], { env: { PORTCULLIS_TOKEN: await g.token(), HOME: work } });
  assert.is(login.code, 0, login.stderr);
  const line = login.stdout.split("\n")[1]!;
  assert.is(line, `ssh -F ${join(dir, "config")} alice+TARGET@portcullis COMMAND`);
  const argv = line.replace("TARGET", "web").replace(" COMMAND", "").split(" ");
  const r = await run(argv[0]!, [...argv.slice(1), "-o", "BatchMode=yes", "echo", "from-the-config"], process.env);
  assert.equal(r, { code: 0, stdout: "from-the-config\n", stderr: "" });
  // Again: the key is kept, the certificate renewed.
  const key = readFileSync(join(dir, "id_ed25519.pub"), "utf8");
  assert.is((await portcullis(["ssh", "login", "--gateway", g.gateway.http.url, "--dir", dir], { env: { PORTCULLIS_TOKEN: await g.token() } })).code, 0);
  assert.is(readFileSync(join(dir, "id_ed25519.pub"), "utf8"), key);
  const refused = await portcullis(["ssh", "login", "--gateway", g.gateway.http.url, "--dir", dir], { env: { PORTCULLIS_TOKEN: "not-a-token" } });
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /the gateway refused the certificate request/);
});

test("the certificate's identity is the one the policy sees (a denial names it in the audit log)", async () => {
  const key = newKey();
  const issued = await requestCertificate(await g.token(), key.publicLine);
  const r = await sshWithCertificate(key.path, String(issued.body.certificate), ["cat", "/etc/shadow"]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /Portcullis denied this command: cat reads \/etc\/shadow/);
});

test("no certificate without a valid token, nor for a key that is not ed25519", async () => {
  const key = newKey();
  assert.is((await requestCertificate("not-a-token", key.publicLine)).status, 401);
  const rsa = await requestCertificate(await g.token(), "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 x");
  assert.is(rsa.status, 400);
});

/** A certificate signed by `ca` for `key`, with fields overridden, for the rejection matrix. */
function forged(ca: SshCertificateAuthority, caKey: Parameters<typeof issueCertificate>[1] | undefined, key: { publicLine: string }, who: Identity, change: (c: Parameters<typeof issueCertificate>[0]) => void): string {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const cert: Parameters<typeof issueCertificate>[0] = {
    publicKey: rawPublicKey(Buffer.from(key.publicLine.split(/\s+/)[1]!, "base64")),
    serial: 7n,
    keyId: "forged",
    principals: [who.subject],
    validAfter: now - 60n,
    validBefore: now + 3600n,
    criticalOptions: new Map(),
    extensions: new Map([[IDENTITY_EXTENSION, Buffer.from(JSON.stringify(who))]]),
    signatureKey: ca.publicBlob,
  };
  change(cert);
  // Without another key: the gateway's own CA key, read from its state directory.
  const signer = caKey ?? createPrivateKey(readFileSync(join(g.dir, "ssh_user_ca_ed25519.pem")));
  return `${CERT_TYPE} ${issueCertificate(cert, signer).toString("base64")} forged`;
}

test("the rejection matrix: expired, not yet valid, another CA, wrong principal, unknown critical option, tampered, revoked", async () => {
  const ca = SshCertificateAuthority.open(g.dir);
  const otherDir = mkdtempSync(join(work, "other-ca-"));
  const other = SshCertificateAuthority.open(otherDir);
  const otherKey = generateKeyPairSync("ed25519").privateKey;
  const now = BigInt(Math.floor(Date.now() / 1000));
  const cases: Array<[string, (key: { publicLine: string }) => string]> = [
    ["expired", (key) => forged(ca, undefined, key, ALICE, (c) => ((c.validAfter = now - 7200n), (c.validBefore = now - 3600n)))],
    ["not yet valid", (key) => forged(ca, undefined, key, ALICE, (c) => (c.validAfter = now + 3600n))],
    ["signed by another key claiming the gateway's CA", (key) => forged(ca, otherKey, key, ALICE, () => undefined)],
    ["another CA", (key) => forged(other, createPrivateKey(readFileSync(join(otherDir, "ssh_user_ca_ed25519.pem"))), key, ALICE, (c) => (c.signatureKey = other.publicBlob))],
    ["principal is not the identity", (key) => forged(ca, undefined, key, ALICE, (c) => (c.principals = ["root"]))],
    ["two principals", (key) => forged(ca, undefined, key, ALICE, (c) => (c.principals = [ALICE.subject, "root"]))],
    ["unknown critical option", (key) => forged(ca, undefined, key, ALICE, (c) => c.criticalOptions.set("force-command", Buffer.from("true")))],
    ["no identity", (key) => forged(ca, undefined, key, ALICE, (c) => c.extensions.clear())],
    ["tampered after signing", (key) => {
      const line = forged(ca, undefined, key, ALICE, () => undefined).split(" ");
      const blob = Buffer.from(line[1]!, "base64");
      blob.writeUInt8(blob.readUInt8(blob.length - 80) ^ 1, blob.length - 80);
      return `${line[0]} ${blob.toString("base64")}`;
    }],
  ];
  for (const [name, make] of cases) {
    const key = newKey();
    const r = await sshWithCertificate(key.path, make(key), ["echo", "must-not-run"]);
    assert.is(r.code, 255, name);
    assert.is(r.stdout, "", name);
    assert.match(r.stderr, /Permission denied/, name);
  }
  // A certificate for someone else's key: without that key nobody can sign for it (OpenSSH will not
  // even try, so the gateway's check is asked directly).
  const theirs = newKey();
  const stolen = String((await requestCertificate(await g.token(), theirs.publicLine)).body.certificate);
  const forgedProof = ca.check(Buffer.from(stolen.split(" ")[1]!, "base64"), { signed: Buffer.from("session data"), signature: Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.from([0, 0, 0, 64]), Buffer.alloc(64, 1)]) });
  assert.equal(forgedProof.ok ? "ok" : forgedProof.code, "bad_signature");
  // Revoking the subject ends certificates issued before.
  const key = newKey();
  const issued = await requestCertificate(await g.token(), key.publicLine);
  assert.is((await sshWithCertificate(key.path, String(issued.body.certificate), ["true"])).code, 0);
  await new Promise((r) => setTimeout(r, 1100));
  g.gateway.identity.revokeSubject(ALICE.subject);
  const after = await sshWithCertificate(key.path, String(issued.body.certificate), ["echo", "must-not-run"]);
  assert.is(after.code, 255);
  const failures = readFileSync(join(g.dir, "audit.log"), "utf8").split("\n").filter((l) => l.includes('"auth_failure"')).map((l) => (JSON.parse(l) as { event: { code: string } }).event.code);
  for (const code of ["expired", "not_yet_valid", "unknown_ca", "bad_principal", "unknown_critical_option", "bad_certificate", "revoked"]) assert.ok(failures.includes(code), `${code} in ${[...new Set(failures)].join(",")}`);
});

test.run();
