import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Identity } from "../../engine/policy/types.js";
import { pendingFor } from "../support/approval-gateway.js";
import { ALICE } from "../support/pg-gateway.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";

const DANA: Identity = { subject: "dana@example.com", issuer: "https://idp.test", groups: ["dba"], kind: "human", claims: {} };
const CI_JOB: Identity = { subject: "ci-deployer", issuer: "https://idp.test", groups: ["deployers"], kind: "service", claims: {} };

let g: SshGatewayUnderTest;
test.before(async () => {
  g = await startSshGateway({ tags: { env: "prod" } });
});
test.after(async () => {
  await g?.stop();
});

// `rm -r` outside /tmp needs approval on prod; -f on a path that is not there makes it harmless.
const CHANGE = ["rm", "-rf", "/var/tmp/portcullis-ssh-approval-test-missing"];

test("a person's change on prod waits for approval, names it on stderr, and runs once dana approves", async () => {
  const client = await g.startSsh(CHANGE);
  const pending = await pendingFor(g.gateway, ALICE.subject);
  assert.equal(pending.request, { kind: "shell", text: CHANGE.join(" ") });
  for (let i = 0; i < 100 && !client.stderr().includes(pending.id); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(client.stderr(), new RegExp(`Portcullis: waiting for approval ${pending.id} from group:dba`));
  await g.gateway.approvals.decide(pending.id, DANA, "approve");
  const r = await client.done;
  assert.is(r.code, 0);
  assert.is(r.stdout, "");
});

test("a denied approval refuses the command with exit status 1", async () => {
  const client = await g.startSsh(CHANGE);
  const pending = await pendingFor(g.gateway, ALICE.subject);
  await g.gateway.approvals.decide(pending.id, DANA, "deny", { reason: "not during the freeze" });
  const r = await client.done;
  assert.is(r.code, 1);
  assert.match(r.stderr, /Portcullis denied this command: .*not during the freeze/);
});

test("Ctrl-C (the client going away) withdraws a held request", async () => {
  const client = await g.startSsh(CHANGE);
  const pending = await pendingFor(g.gateway, ALICE.subject);
  client.kill("SIGINT");
  await client.done;
  for (let i = 0; i < 100; i++) {
    const now = await g.gateway.approvals.get(pending.id);
    if (now?.status === "cancelled") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.unreachable("the approval request was not cancelled");
});

test("a service gets a ticket: refused now with the approval's id, allowed once approved", async () => {
  const token = (await g.gateway.identity.tokens.issue(CI_JOB)).token;
  const first = await g.ssh(CHANGE, { login: "ci-deployer+web", password: token });
  assert.is(first.code, 1);
  const id = /approval (\S+)/.exec(first.stderr)?.[1];
  assert.ok(id, first.stderr);
  assert.match(first.stderr, /run the same command again/);
  await g.gateway.approvals.decide(id!.replace(/[.,;:]$/, ""), DANA, "approve");
  const again = await g.ssh(CHANGE, { login: "ci-deployer+web", password: token });
  assert.is(again.stderr, "");
  assert.is(again.code, 0);
});

test.run();
