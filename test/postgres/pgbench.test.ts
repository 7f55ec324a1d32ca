import { test } from "uvu";
import * as assert from "uvu/assert";
import { startGatewayUnderTest, type GatewayUnderTest } from "../support/pg-gateway.js";
import { run } from "../support/run.js";

let g: GatewayUnderTest;

test.before(async () => {
  g = await startGatewayUnderTest();
  // Initialised directly against the server: this test is about the benchmark's traffic.
  const init = await run("pgbench", ["-i", "-s", "1", "-q", "-h", g.pg.host, "-p", String(g.pg.port), "-U", g.pg.superuser, g.pg.database], { ...process.env, PGPASSWORD: g.pg.password });
  assert.is(init.code, 0, init.stderr);
  await g.pg.query("GRANT ALL ON ALL TABLES IN SCHEMA public TO gateway");
});
test.after(async () => {
  await g?.stop();
});

for (const mode of ["simple", "extended", "prepared"]) {
  test(`pgbench -S in ${mode} mode through the gateway completes every transaction`, async () => {
    const r = await run("pgbench", ["-n", "-S", "-M", mode, "-c", "4", "-j", "2", "-t", "250"], await g.env());
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /number of transactions actually processed: 1000\/1000/);
    assert.match(r.stdout, /number of failed transactions: 0/);
  });
}

test("pgbench's TPC-B-like writes pass the default policy (every UPDATE is bounded)", async () => {
  const r = await run("pgbench", ["-n", "-c", "2", "-t", "50", "-M", "prepared"], await g.env());
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /number of transactions actually processed: 100\/100/);
});

test.run();
