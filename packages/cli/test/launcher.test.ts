import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { tvixLauncher as launcher, repoRoot, run } from "../../../test-support/index.ts";

// The installed command is a shell launcher (bin/tvix) that raises the stack limit and runs
// the evaluation on Node's main thread (every runTvix test goes through it); these test the
// launcher itself and the evaluation-worker path it falls back to.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
const tvix = (args: string[], cmd = launcher) => run(cmd, args, { env, encoding: "latin1" });
const tmp = mkdtempSync(join(tmpdir(), "tvix-launcher-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("bin/tvix launcher", () => {
  it("evaluates deeply recursive code", () => {
    const r = tvix(["eval", "-E", "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 100000"]);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "100000\n");
    assert.equal(r.status, 0);
  });
  it("starts the store host when the evaluation needs the store", () => {
    const r = tvix(["eval", "-E", 'builtins.readFile (builtins.toFile "x" "hello")']);
    assert.equal(r.stdout, '"hello"\n');
    assert.equal(r.status, 0);
  });
  it("reports errors and infinite recursion with exit code 1", () => {
    const r = tvix(["eval", "--max-call-depth", "5000", "-E", "let f = n: f (n + 1); in f 0"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /max-call-depth exceeded/);
    const t = tvix(["eval", "-E", 'builtins.trace "hi" (throw "x")']);
    assert.equal(t.status, 1);
    assert.match(t.stderr, /^trace: hi\n[\s\S]*error: x\n$/);
  });
  it("works through a symlink, as npm links it", () => {
    const link = join(tmp, "tvix");
    symlinkSync(launcher, link);
    const r = tvix(["eval", "-E", "1 + 1"], link);
    assert.equal(r.stdout, "2\n");
    assert.equal(r.status, 0);
  });
  it("runs with the Node that npm installed beside it, whatever PATH has", (t) => {
    if (!existsSync(join(repoRoot, "node_modules", ".bin", "node"))) {
      return t.skip("no node_modules/.bin/node (the `node` devDependency) here");
    }
    const r = run(launcher, ["eval", "-E", "builtins.substring 0 2 builtins.nixVersion"], {
      env: { ...process.env, PATH: "/usr/bin:/bin" },
      encoding: "latin1",
    });
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, '"2."\n');
    assert.equal(r.status, 0);
  });
  it("falls back to an evaluation worker when the stack limit cannot be raised", () => {
    const r = run(
      "sh",
      [
        "-c",
        'ulimit -Ss 8192 && ulimit -Hs 8192 && exec "$0" "$@"',
        launcher,
        "eval",
        "-E",
        "let f = n: if n == 0 then 0 else 1 + f (n - 1); in f 50000",
      ],
      { env, encoding: "latin1" },
    );
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, "50000\n");
    assert.equal(r.status, 0);
  });
});
