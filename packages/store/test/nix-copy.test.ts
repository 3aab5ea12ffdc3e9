/**
 * Acceptance with the real Nix 2.8 as the client: `nix copy --to http://nar-bridge` uploads
 * closures (xz as Nix writes by default, and other compressions), `nix copy --from` and
 * `nix-store --realise` with nar-bridge as the only substituter fetch them back into fresh
 * stores, and `nix-store --verify` is clean.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { blobServiceFromUrl, directoryServiceFromUrl } from "@tvix-ts/castore";
import { parseSigningKey } from "@tvix-ts/nix-compat";
import { oracleSkip } from "../../../test-support/index.ts";
import { MemoryPathInfoService, type NarBridgeServer, startNarBridge } from "../src/index.ts";
import {
  generateKey,
  makeSourceStore,
  NIX_OPTS,
  narHashIn,
  runNix,
  runNixOk,
} from "./support/nix.ts";

describe("nar-bridge with Nix 2.8 as the client", oracleSkip(), () => {
  let dir: string;
  let src: Awaited<ReturnType<typeof makeSourceStore>>;
  let key: { secret: string; public: string };
  let bridge: NarBridgeServer;
  let pathInfos: MemoryPathInfoService;
  const srcStore = () => join(dir, "src");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "store-nixcopy-"));
    src = await makeSourceStore(dir, srcStore(), `${process.pid}-${Date.now()}`);
    key = generateKey(dir, "bridge-test-1");
    pathInfos = new MemoryPathInfoService();
    bridge = await startNarBridge({
      blobService: blobServiceFromUrl("memory://"),
      directoryService: directoryServiceFromUrl("memory://"),
      pathInfoService: pathInfos,
      signingKey: parseSigningKey(key.secret),
      port: 0,
    });
  });
  after(async () => {
    await bridge?.close(1000);
    await rm(dir, { recursive: true, force: true });
  });

  const url = () => `http://${bridge.address}`;
  /** A HOME whose Nix has never seen the cache (as on another machine). */
  let homes = 0;
  const freshHome = () => join(dir, `home-${++homes}`);

  it("nix copy --to uploads closures (xz, Nix's default)", async () => {
    await runNixOk(
      "nix",
      ["copy", ...NIX_OPTS, "--from", srcStore(), "--to", url(), src.top, src.added],
      src.home,
    );
    for (const p of [...src.closure, src.added]) {
      const hash = p.slice("/nix/store/".length, "/nix/store/".length + 32);
      const res = await fetch(`${url()}/${hash}.narinfo`);
      assert.equal(res.status, 200, p);
      const text = await res.text();
      assert.match(text, new RegExp(`^StorePath: ${p}\n`));
      assert.match(text, /\nSig: bridge-test-1:/);
    }
    // The top path's reference to dep carries dep's root node.
    let refsWithNodes = 0;
    for await (const i of pathInfos.list()) {
      if (src.top.endsWith(i.storePath.baseName)) {
        assert.ok(i.references.length > 0 && i.references.every((r) => r.node !== undefined));
        refsWithNodes++;
      }
    }
    assert.equal(refsWithNodes, 1);
  });

  it("nix copy --from into a fresh store gets the same NAR hashes; nix-store --verify is clean", async () => {
    const dst = join(dir, "dst");
    await runNixOk(
      "nix",
      [
        "copy",
        ...NIX_OPTS,
        "--option",
        "trusted-public-keys",
        key.public,
        "--from",
        url(),
        "--to",
        dst,
        src.top,
        src.added,
      ],
      freshHome(),
    );
    for (const p of [...src.closure, src.added]) {
      assert.equal(await narHashIn(dst, p, src.home), await narHashIn(srcStore(), p, src.home), p);
    }
    const v = await runNix(
      "nix-store",
      ["--store", dst, ...NIX_OPTS, "--verify", "--check-contents"],
      src.home,
    );
    assert.equal(v.code, 0, v.stderr);
    assert.doesNotMatch(v.stderr, /error|corrupt|modified|invalid/i);
  });

  it("nix-store --realise substitutes from it as the only substituter, key trusted", async () => {
    const dst = join(dir, "dst2");
    await runNixOk(
      "nix-store",
      [
        "--store",
        dst,
        ...NIX_OPTS,
        "--option",
        "substituters",
        url(),
        "--option",
        "trusted-public-keys",
        key.public,
        "--realise",
        src.top,
      ],
      freshHome(),
    );
    assert.equal(
      await narHashIn(dst, src.top, src.home),
      await narHashIn(srcStore(), src.top, src.home),
    );
  });

  it("refuses an untrusted cache (wrong key) when substituting", async () => {
    const other = generateKey(dir, "other-1");
    const r = await runNix(
      "nix",
      [
        "copy",
        ...NIX_OPTS,
        "--option",
        "trusted-public-keys",
        other.public,
        "--from",
        url(),
        "--to",
        join(dir, "dst3"),
        src.top,
      ],
      freshHome(),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /lacks a valid signature/);
  });

  it("accepts uploads compressed with zstd, bzip2 and none", async () => {
    for (const c of ["zstd", "bzip2", "none"]) {
      const fresh = await startNarBridge({
        blobService: blobServiceFromUrl("memory://"),
        directoryService: directoryServiceFromUrl("memory://"),
        pathInfoService: new MemoryPathInfoService(),
        port: 0,
      });
      try {
        await runNixOk(
          "nix",
          [
            "copy",
            ...NIX_OPTS,
            "--from",
            srcStore(),
            "--to",
            `http://${fresh.address}?compression=${c}`,
            src.top,
          ],
          src.home,
        );
        const dst = join(dir, `dst-${c}`);
        await runNixOk(
          "nix",
          [
            "copy",
            ...NIX_OPTS,
            "--no-check-sigs",
            "--from",
            `http://${fresh.address}`,
            "--to",
            dst,
            src.top,
          ],
          src.home,
        );
        assert.equal(
          await narHashIn(dst, src.top, src.home),
          await narHashIn(srcStore(), src.top, src.home),
        );
      } finally {
        await fresh.close(1000);
      }
    }
  });
});
