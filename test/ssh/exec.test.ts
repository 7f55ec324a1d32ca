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

test("ssh alice+web@gateway echo hello runs on the real sshd", async () => {
  const r = await g.ssh(["echo", "hello"]);
  assert.is(r.stderr, "");
  assert.is(r.stdout, "hello\n");
  assert.is(r.code, 0);
  assert.match(g.sshd.log(), /Accepted publickey for \S+ from 127\.0\.0\.1/);
});

test.run();
