import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runTvix } from "../../../test-support/index.ts";
import { commands } from "../src/registry.ts";

describe("tvix command frame", () => {
  it("--help lists every command and exits 0", () => {
    const r = runTvix(["--help"]);
    assert.equal(r.status, 0);
    const out = r.stdout.toString();
    for (const c of commands) assert.match(out, new RegExp(`tvix ${c.path.join(" ")} `));
  });
  it("no arguments prints help and exits 2", () => {
    const r = runTvix([]);
    assert.equal(r.status, 2);
    assert.match(r.stdout.toString(), /Usage: tvix/);
  });
  it("--version", () => {
    const r = runTvix(["--version"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout.toString(), /^tvix \d+\.\d+\.\d+\n$/);
  });
  it("unknown commands are usage errors (exit 2)", () => {
    const r = runTvix(["frobnicate"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });
  it("every command has --help", () => {
    for (const c of commands) {
      const r = runTvix([...c.path, "--help"]);
      assert.equal(r.status, 0, `tvix ${c.path.join(" ")} --help`);
      assert.ok(r.stdout.toString().length > 40, `help of ${c.path.join(" ")}`);
      assert.equal(r.stdout.toString(), c.help);
    }
  });
  it("unknown flags are usage errors (exit 2) with a one-line message", () => {
    for (const c of commands) {
      const r = runTvix([...c.path, "--no-such-flag"]);
      assert.equal(r.status, 2, `tvix ${c.path.join(" ")} --no-such-flag`);
      assert.match(r.stderr, /^tvix: .*\nTry 'tvix --help'/);
    }
  });
});
