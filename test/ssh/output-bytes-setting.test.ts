import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { defaultPolicyDir } from "../../engine/paths.js";
import type { Identity } from "../../engine/policy/types.js";
import { defaultPolicyWithSettings } from "../support/policy-dir.js";
import { startSshGateway, type SshGatewayUnderTest } from "../support/ssh-gateway.js";
import { clearOfWindowEnd } from "../support/windows.js";

/**
 * The default policy's settings.shell.output_bytes_per_hour, through a real gateway and sshd: a
 * service's command output is cut where its hour's bytes end, naming the budget; a person's is not.
 */
const BUDGET = 1000;
const CI: Identity = { subject: "ci-job", issuer: "https://ci.test", groups: ["ci"], kind: "service", claims: {} };

let g: SshGatewayUnderTest;
let policy: { dir: string; remove(): void };
test.before(async () => {
  const shell = (JSON.parse(readFileSync(join(defaultPolicyDir, "data.json"), "utf8")) as { settings: { shell: Record<string, unknown> } }).settings.shell;
  policy = defaultPolicyWithSettings({ shell: { ...shell, output_bytes_per_hour: { service: BUDGET } } });
  g = await startSshGateway({ policyDir: policy.dir });
});
test.after(async () => {
  await g?.stop();
  policy?.remove();
});

test("a service's output is cut at its hourly byte budget, named in the reason; a person's is not", async () => {
  await clearOfWindowEnd(3600);
  const whole = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`).join("");
  const r = await g.ssh(["seq", "1", "2000"], { login: "ci-job+web", password: await g.token(CI) });
  assert.is(r.stdout, whole.slice(0, BUDGET));
  assert.match(r.stderr, new RegExp(`^Portcullis cut this output off after ${BUDGET} bytes: the policy allows ci-job ${BUDGET} bytes per hour \\(budget "ssh-output"\\), and that budget is spent; it resets in \\d+ s\\n$`));
  assert.is(r.code, 1);

  const person = await g.ssh(["seq", "1", "2000"]);
  assert.is(person.stdout, whole, person.stderr);
  assert.is(person.code, 0);
});

test.run();
