import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveConfig } from "../../engine/config/load.js";
import { targetsOfType } from "../../engine/config/types.js";
import { knownSecrets } from "../../engine/credentials/index.js";
import { PortcullisError } from "../../engine/errors.js";

/** Targets in the config file: tagged by `type`, the older `postgres.targets` still read, one name per target. */

const shop = { name: "shop", type: "postgres", tags: { env: "prod" }, host: "127.0.0.1", port: 5433, database: "shop", user: "gw", password: { env: "SHOP_PW" } };

test("targets tagged by type are read with their defaults and their secrets resolved", () => {
  const config = resolveConfig({ targets: [shop] }, "/tmp", { SHOP_PW: "s3cret-shop" });
  assert.equal(config.targets, [{ type: "postgres", name: "shop", tags: { env: "prod" }, host: "127.0.0.1", port: 5433, database: "shop", user: "gw", password: "s3cret-shop", tls: "prefer" }]);
  assert.equal(targetsOfType(config.targets, "postgres").map((t) => t.name), ["shop"]);
});

test("the older postgres.targets spelling still works, beside the new one", () => {
  const { type: _type, ...old } = { ...shop, name: "legacy", password: "pw-legacy" };
  const config = resolveConfig({ postgres: { targets: [old] }, targets: [shop] }, "/tmp", { SHOP_PW: "pw-shop" });
  assert.equal(config.targets.map((t) => [t.type, t.name]), [["postgres", "legacy"], ["postgres", "shop"]]);
});

test("a target without a type, of an unknown type, or a name used twice is refused naming the problem", () => {
  const refused = (document: unknown): string => {
    try {
      resolveConfig(document, "/tmp", { SHOP_PW: "x" });
    } catch (error) {
      assert.ok(error instanceof PortcullisError && error.code === "CONFIG_INVALID");
      return error.message;
    }
    throw new Error("accepted");
  };
  const { type: _type, ...untyped } = shop;
  assert.match(refused({ targets: [untyped] }), /targets\/0/);
  assert.match(refused({ targets: [{ ...shop, type: "telnet" }] }), /targets\/0/);
  assert.match(refused({ targets: [shop, { ...shop }] }), /two targets are named shop/);
  assert.match(refused({ postgres: { targets: [{ ...untyped, password: "a" }] }, targets: [shop] }), /two targets are named shop/);
});

test("every credential the gateway holds is known to the redactor", () => {
  const config = resolveConfig(
    { targets: [shop], masking: { hash_key: "mask-key-0123456789" }, approvals: { webhook: { url: "https://hooks.example.com/x", secret: "hook-secret-42" } } },
    "/tmp",
    { SHOP_PW: "pw-shop-7" },
  );
  assert.equal(knownSecrets(config).sort(), ["hook-secret-42", "mask-key-0123456789", "pw-shop-7"]);
});

test("an SSH target must pin its host key, unless it says it accepts any", () => {
  const web = { name: "web", type: "ssh", host: "127.0.0.1", user: "deploy", private_key: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----" };
  let message = "";
  try {
    resolveConfig({ targets: [web] }, "/tmp", {});
  } catch (error) {
    assert.ok(error instanceof PortcullisError && error.code === "CONFIG_INVALID");
    message = error.message;
  }
  assert.match(message, /target web: host_key is required/);
  const pinned = resolveConfig({ targets: [{ ...web, host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA" }] }, "/tmp", {});
  assert.equal(pinned.targets[0]!.type === "ssh" && pinned.targets[0]!.hostKeys, ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA"]);
  const open = resolveConfig({ targets: [{ ...web, accept_any_host_key: true }] }, "/tmp", {});
  assert.equal(open.targets[0]!.type === "ssh" && open.targets[0]!.hostKeys, []);
});

test.run();
