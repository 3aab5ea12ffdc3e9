/**
 * `tvix derivation show`. (The comparison with `nix show-derivation` over hundreds of random
 * derivations is in packages/nix-compat/test/derivation-differential.test.ts.)
 */
import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { conformanceDir, conformanceMissing, runTvix } from "../../../test-support/index.ts";

const conf = conformanceDir("nix-compat");
const okDir = conf === undefined ? "" : join(conf, "derivations", "ok");
const skip = conf === undefined ? conformanceMissing("nix-compat") : false;
const tmp = mkdtempSync(join(tmpdir(), "tvix-drv-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function oneLineError(r: ReturnType<typeof runTvix>, pattern: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout.length, 0);
  assert.match(r.stderr, /^error: [^\n]*\n$/);
  assert.match(r.stderr, pattern);
}

describe("tvix derivation show", () => {
  it("needs at least one file (usage error, exit 2)", () => {
    const r = runTvix(["derivation", "show"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no \.drv files given/);
  });
  it("a missing file or a directory is a one-line error, exit 1", () => {
    oneLineError(
      runTvix(["derivation", "show", join(tmp, "nope.drv")]),
      /cannot read .*nope\.drv.*no such file/,
    );
    oneLineError(runTvix(["derivation", "show", tmp]), /cannot read .*is a directory/);
  });
  it("an invalid file is a one-line error naming the file and the byte offset, exit 1", () => {
    const f = join(tmp, "bad.drv");
    writeFileSync(f, 'Derive([("out","","","")],[],[],"s","b",[],[("a\n","1"),("a\n","2")])');
    oneLineError(
      runTvix(["derivation", "show", f]),
      /bad\.drv' is not a valid derivation: .*byte 56: duplicate env key "a\\n"/,
    );
    writeFileSync(f, "hello");
    oneLineError(runTvix(["derivation", "show", f]), /byte 0: expected "Derive\("/);
  });
  it("prints Nix 2.8's bytes for the non-UTF-8 fixtures", { skip }, () => {
    for (const f of [
      "m1vfixn8iprlf0v9abmlrz7mjw1xj8kp-cp1252.drv",
      "x6p0hg79i3wg0kkv7699935f7rrj9jf3-latin1.drv",
    ]) {
      const r = runTvix(["derivation", "show", join(okDir, f)]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout, readFileSync(join(okDir, `${f}.json`)));
    }
  });
  it("shows many files at once, sorted by path, each matching its fixture JSON", { skip }, () => {
    const files = readdirSync(okDir).filter((f) => f.endsWith(".drv"));
    const r = runTvix(["derivation", "show", ...files.reverse().map((f) => join(okDir, f))]);
    assert.equal(r.status, 0, r.stderr);
    const shown = JSON.parse(r.stdout.toString("latin1"));
    assert.deepEqual(Object.keys(shown), files.map((f) => `/nix/store/${f}`).sort());
    for (const f of files) {
      const fixture = JSON.parse(readFileSync(join(okDir, `${f}.json`)).toString("latin1"));
      assert.deepEqual(shown[`/nix/store/${f}`], fixture[`/nix/store/${f}`] ?? fixture, f);
    }
  });
  it("keys store-named files by their store path and others by their absolute path", {
    skip,
  }, () => {
    const f = "0hm2f1psjpcwg8fijsmr4wwxrx59s092-bar.drv";
    copyFileSync(join(okDir, f), join(tmp, f));
    copyFileSync(join(okDir, f), join(tmp, "plain.drv"));
    const r = runTvix(["derivation", "show", f, "plain.drv"], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      Object.keys(JSON.parse(r.stdout.toString("utf8"))),
      [join(tmp, "plain.drv"), `/nix/store/${f}`].sort(),
    );
  });
});
