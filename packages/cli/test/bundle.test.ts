/**
 * The precompiled bundle (scripts/bundle.ts) that the launcher runs every command from: the
 * commands that start worker threads (castore's chunk writers, readers and hasher, the
 * instantiate and eval workers) must find them beside the bundle's chunks, and give the same
 * answers as the TypeScript sources.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../../../test-support/index.ts";
import { Rng } from "./helpers/fs-trees.ts";

const sources = join(repoRoot, "packages", "cli", "src", "bin.ts");

describe("tvix from the precompiled bundle", () => {
  const tmp = mkdtempSync(join(tmpdir(), "tvix-bundle-test-"));
  let runner: string | undefined;
  after(() => rmSync(tmp, { recursive: true, force: true }));

  before(async () => {
    let bundle: (out?: string) => Promise<string>;
    try {
      ({ bundle } = await import("../../../scripts/bundle.ts"));
      await import("esbuild");
    } catch {
      return; // each test skips, saying why
    }
    const dir = await bundle(join(tmp, "bundle"));
    // A runner beside the bundle, as the launcher runs it (a worker inherits `node -e`'s
    // flags, so not `-e`).
    runner = join(dir, "run.mjs");
    writeFileSync(
      runner,
      `const { main } = await import("./main.js");
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });\n`,
    );
  });

  /** Runs `tvix ARGS` from the bundle, or from the sources, with its own local store. */
  function tvix(from: "bundle" | "sources", args: string[], data: string) {
    const r = spawnSync(process.execPath, [from === "bundle" ? runner! : sources, ...args], {
      env: { ...process.env, XDG_DATA_HOME: join(tmp, data), TVIX_NO_BUNDLE: "1" },
      maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, `${from}: tvix ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  }

  it("evaluates", (t) => {
    if (!runner) return t.skip("esbuild is not installed");
    const out = tvix("bundle", ["eval", "--strict", "-E", "map (x: x * 2) [ 1 2 ]"], "eval");
    assert.equal(out.toString(), "[ 2 4 ]\n");
  });

  it("imports into and reads from the local store with castore's workers", (t) => {
    if (!runner) return t.skip("esbuild is not installed");
    // Large enough for the hash worker (1 MiB) and several chunks for the chunk writers.
    const tree = join(tmp, "tree");
    mkdirSync(join(tree, "sub"), { recursive: true });
    const big = new Rng(7).bytes(3 * 1024 * 1024 + 123);
    writeFileSync(join(tree, "big.bin"), big);
    for (let i = 0; i < 50; i++) writeFileSync(join(tree, "sub", `f${i}`), `file ${i}\n`);
    symlinkSync("big.bin", join(tree, "link"));
    const path = tvix("bundle", ["store", "import", tree], "store-b").toString();
    assert.match(path, /^\/nix\/store\/[0-9a-z]{32}-tree\n$/);
    assert.equal(tvix("sources", ["store", "import", tree], "store-s").toString(), path);
    const cat = tvix("bundle", ["store", "cat", `${path.trim()}/big.bin`], "store-b");
    assert.ok(cat.equals(big), "store cat from the bundle gives the imported bytes");
  });

  it("instantiates derivations in the instantiate worker", (t) => {
    if (!runner) return t.skip("esbuild is not installed");
    const file = join(tmp, "d.nix");
    writeFileSync(
      file,
      'derivation { name = "bundled"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }\n',
    );
    const drv = tvix("bundle", ["instantiate", file], "inst-b").toString();
    assert.match(drv, /^\/nix\/store\/[0-9a-z]{32}-bundled\.drv\n$/);
    assert.equal(tvix("sources", ["instantiate", file], "inst-s").toString(), drv);
  });
});
