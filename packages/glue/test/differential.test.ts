/**
 * Differential test against Nix 2.8: a seeded generated program (support/gen.ts) evaluated by
 * ONE `nix-instantiate --eval --strict --json --read-write-mode` into a private chroot store and
 * by tvix (worker + memory store, persisting): drv paths, output paths, `toFile`/`path`/
 * `filterSource` paths must be equal, every `.drv` byte-identical, and every source present in
 * our store. Also /work/shared/bench/fixpoint.nix must give Nix's result.
 *
 * TVIX_GLUE_SEED=<n> picks another seed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAbsoluteStorePath } from "@tvix-ts/nix-compat";
import type { OpenedStore } from "@tvix-ts/store";
import { oracleSkip, runOk, sharedDir } from "../../../test-support/index.ts";
import { StoreReader } from "../src/host/index.ts";
import { generateProgram } from "./support/gen.ts";
import { memStore, runJob } from "./support/run.ts";

const SEED = Number(process.env.TVIX_GLUE_SEED ?? 5150);
const COUNT = 160;

type Item = { d: string; o: string[] } | { f: string };

describe(`derivations vs nix-instantiate (seed ${SEED})`, oracleSkip(), () => {
  let dir = "";
  let store: OpenedStore;
  let nix: Item[] = [];
  let ours: Item[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tvix-glue-diff-"));
    const file = join(dir, "gen.nix");
    writeFileSync(file, generateProgram(SEED, COUNT, join(dir, "trees")));
    const out = runOk("nix-instantiate", [
      "--store",
      join(dir, "store"),
      "--read-write-mode",
      "--eval",
      "--strict",
      "--json",
      file,
    ]);
    nix = JSON.parse(out.toString("utf8"));
    store = memStore();
    const r = await runJob(store, { file, cwd: dir, json: true, persist: true });
    assert.equal(r.status, 0, r.stderr);
    ours = JSON.parse(Buffer.from(r.stdout, "latin1").toString("utf8"));
  });
  after(async () => {
    await store?.close();
    if (dir !== "" && !process.env.TVIX_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });

  it("gives the same drv paths, output paths and source/file paths", () => {
    assert.equal(ours.length, nix.length);
    const diffs: string[] = [];
    nix.forEach((n, i) => {
      if (JSON.stringify(n) !== JSON.stringify(ours[i]))
        diffs.push(`item ${i}: nix ${JSON.stringify(n)}\n  ours ${JSON.stringify(ours[i])}`);
    });
    assert.deepEqual(diffs.slice(0, 5), []);
    const drvs = nix.filter((x) => "d" in x).length;
    console.log(`differential: ${drvs} derivations, ${nix.length - drvs} files/sources agree`);
  });

  it("writes byte-identical .drv files and every source into the store", async () => {
    const reader = new StoreReader(store);
    const diffs: string[] = [];
    for (const item of nix) {
      const p = "d" in item ? item.d : item.f;
      const info = await store.pathInfoService.get(parseAbsoluteStorePath(p).digest);
      if (info === undefined) {
        diffs.push(`${p} is not in our store`);
        continue;
      }
      if ("d" in item) {
        const want = readFileSync(join(dir, "store", p));
        const got = await reader.readFile(p);
        if (!Buffer.from(got).equals(want)) diffs.push(`${p} differs`);
      }
    }
    assert.deepEqual(diffs.slice(0, 5), []);
  });
});

describe("fixpoint.nix", oracleSkip(), () => {
  it("gives the same result as nix-instantiate --eval --strict", async () => {
    const file = join(sharedDir, "bench", "fixpoint.nix");
    const want = runOk("nix-instantiate", ["--eval", "--strict", file]).toString("latin1");
    const store = memStore();
    const r = await runJob(store, { file });
    await store.close();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, want);
  });
});
