/**
 * `tvix store import`'s NAR hash of a tree from its source files (source-nar.ts): the same NAR
 * as nix-compat's writer makes of the tree (tested against Nix elsewhere), and the same castore
 * node as castore's import of it, for random trees with odd names, symlinks, empty and large
 * files; on a worker thread as here.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { blobServiceFromUrl, directoryServiceFromUrl, ingestPath } from "@tvix-ts/castore";
import { writeNar } from "@tvix-ts/nix-compat";
import { fsNarNode } from "../src/fs-nar.ts";
import { hashSourceNar, startSourceNar } from "../src/source-nar.ts";
import { Rng, writeRandomNode } from "./helpers/fs-trees.ts";

const tmp = mkdtempSync(join(tmpdir(), "tvix-source-nar-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function narOf(path: string) {
  const h = createHash("sha256");
  let size = 0;
  for await (const c of writeNar(fsNarNode(path))) {
    h.update(c);
    size += c.length;
  }
  return { narSize: size, narSha256: new Uint8Array(h.digest()) };
}

describe("the NAR hash of a source tree, with its castore node", () => {
  it("matches the NAR writer and castore's import, for random trees", async () => {
    const rng = new Rng(4242);
    for (let i = 0; i < 40; i++) {
      const p = join(tmp, `t${i}`);
      writeRandomNode(rng, Buffer.from(p), 0, { large: i % 10 === 3, maxDepth: 5 });
      const got = await hashSourceNar(p);
      assert.ok(got, `tree ${i}`);
      const want = await narOf(p);
      assert.equal(got.narSize, want.narSize, `tree ${i}`);
      assert.deepEqual(got.narSha256, want.narSha256, `tree ${i}`);
      const node = await ingestPath(
        blobServiceFromUrl("memory://"),
        directoryServiceFromUrl("memory://"),
        p,
      );
      assert.deepEqual(got.node, node, `tree ${i}`);
    }
  });

  it("gives the same on a worker thread, and nothing for a path that cannot be read", async () => {
    const p = join(tmp, "t3");
    const worker = await startSourceNar(p);
    assert.ok(worker);
    assert.deepEqual(worker, await hashSourceNar(p));
    assert.equal(await startSourceNar(join(tmp, "missing")), undefined);
  });
});
