import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BinaryCacheError,
  binaryCacheMimeType,
  buildLogPath,
  COMPRESSION_METHODS,
  compressionExtension,
  compressionForExtension,
  formatNixCacheInfo,
  isCompressionMethod,
  narInfoPath,
  narListingPath,
  narPath,
  parseNarFileName,
  parseNarInfoPath,
  parseNixCacheInfo,
  parseNixHash,
  parseStorePathBaseName,
  toHex,
} from "../src/index.ts";

describe("nix-cache-info (spec §7.2)", () => {
  it("parses Nix 2.8's file and cache.nixos.org's", () => {
    assert.deepEqual(parseNixCacheInfo("StoreDir: /nix/store\n"), {
      storeDir: "/nix/store",
      extraFields: [],
    });
    const c = parseNixCacheInfo("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
    assert.deepEqual(c, {
      storeDir: "/nix/store",
      wantMassQuery: true,
      priority: 40,
      extraFields: [],
    });
    assert.equal(formatNixCacheInfo(c), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
  });
  it("skips lines without ':', trims values, keeps unknown keys (as CppNix reads it)", () => {
    const c = parseNixCacheInfo(
      "garbage\r\nStoreDir:   /gnu/store \r\nWantMassQuery: yes\nX: y\n\n",
    );
    assert.deepEqual(c, {
      storeDir: "/gnu/store",
      wantMassQuery: false,
      extraFields: [["X", "y"]],
    });
  });
  it("rejects a non-integer Priority", () => {
    for (const p of ["x", "40x", "", "99999999999"]) {
      assert.throws(() => parseNixCacheInfo(`Priority: ${p}\n`), BinaryCacheError, p);
    }
    assert.equal(parseNixCacheInfo("Priority: -5").priority, -5);
  });
  it("refuses to write line breaks", () => {
    assert.throws(
      () => formatNixCacheInfo({ storeDir: "/nix/store\nPriority: 1", extraFields: [] }),
      BinaryCacheError,
    );
  });
});

describe("binary cache paths (spec §7.2, Tvix nix_http vectors)", () => {
  it("parses <hash>.narinfo", () => {
    assert.equal(
      toHex(parseNarInfoPath("00bgd045z0d4icpbc2yyz4gx48ak44la.narinfo")!),
      "8a12321522fd91efbd60ebb2481af88580f61600",
    );
    for (const bad of [
      "/00bgd045z0d4icpbc2yyz4gx48ak44la.narinfo",
      "00bgd045z0d4icpbc2yyz4gx48ak44la.narinf",
      "00bgd045z0d4icpbc2yyz4gx48ak44l.narinfo",
      "00bgd045z0d4icpbc2yyz4gx48ak44le.narinfo",
      "00bgd045z0d4icpbc2yyz4gx48ak44la-x.narinfo",
      "",
    ]) {
      assert.equal(parseNarInfoPath(bad), undefined, bad);
    }
  });
  it("builds <hash>.narinfo, <hash>.ls and log/<drv>", () => {
    const p = parseStorePathBaseName(
      "00bgd045z0d4icpbc2yyz4gx48ak44la-net-tools-1.60_p20170221182432",
    );
    assert.equal(narInfoPath(p), "00bgd045z0d4icpbc2yyz4gx48ak44la.narinfo");
    assert.equal(narInfoPath(p.digest), "00bgd045z0d4icpbc2yyz4gx48ak44la.narinfo");
    assert.equal(narListingPath(p), "00bgd045z0d4icpbc2yyz4gx48ak44la.ls");
    const drv = parseStorePathBaseName("a9jsrvlmc9qkx7j0srjqy2rkzjsbf12y-refs.drv");
    assert.equal(buildLogPath(drv), "log/a9jsrvlmc9qkx7j0srjqy2rkzjsbf12y-refs.drv");
    assert.throws(() => narInfoPath(new Uint8Array(19)), BinaryCacheError);
  });
  it("parses nar/<nb32>.nar[.ext], extension verbatim", () => {
    const r = parseNarFileName("14cx20k6z4hq508kqi2lm79qfld5f9mf7kiafpqsjs3zlmycza0k.nar.xz")!;
    assert.equal(
      toHex(r.fileHash),
      "13a8cf7ca57f68a9f1752acee36a72a55187d3a954443c112818926f26109d91",
    );
    assert.equal(r.extension, ".xz");
    assert.equal(r.compression, "xz");
    const plain = parseNarFileName("nar/0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3.nar")!;
    assert.equal(plain.extension, "");
    assert.equal(plain.compression, "none");
    const odd = parseNarFileName("0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3.nar.gz")!;
    assert.equal(odd.extension, ".gz");
    assert.equal(odd.compression, undefined);
    for (const bad of [
      "0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3.na",
      "0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq.nar",
      "0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrqe.nar",
      "0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3.bar",
      `${"é".repeat(52)}.nar`,
    ]) {
      assert.equal(parseNarFileName(bad), undefined, bad);
    }
  });
  it("builds NAR paths like CppNix (Nix 2.8 vectors)", () => {
    const h = parseNixHash("sha256:0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3");
    assert.equal(
      narPath(h, "none"),
      "nar/0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3.nar",
    );
    const x = parseNixHash("sha256:0l3kqp3pqg9p8vc3wzsh94kwjw96vjfgny93nqh18p7hrsvk56vv");
    assert.equal(
      narPath(x.digest, "xz"),
      "nar/0l3kqp3pqg9p8vc3wzsh94kwjw96vjfgny93nqh18p7hrsvk56vv.nar.xz",
    );
    assert.throws(
      () => narPath(parseNixHash("sha1:f4l2674zz2ajy12zgplh8m6f13kbvxrf"), "xz"),
      BinaryCacheError,
    );
    assert.throws(() => narPath(new Uint8Array(20), "xz"), BinaryCacheError);
  });
  it("maps compression names and extensions", () => {
    const table: [string, string][] = [
      ["none", ""],
      ["xz", ".xz"],
      ["bzip2", ".bz2"],
      ["zstd", ".zst"],
      ["lzip", ".lzip"],
      ["lz4", ".lz4"],
      ["br", ".br"],
      ["gzip", ""],
      ["lzma", ""],
    ];
    for (const [m, ext] of table) {
      assert.ok(isCompressionMethod(m));
      assert.equal(compressionExtension(m as never), ext, m);
    }
    for (const [m, ext] of table.slice(0, 7)) assert.equal(compressionForExtension(ext), m);
    assert.equal(compressionForExtension(".gz"), undefined);
    assert.equal(COMPRESSION_METHODS.length, 13);
    assert.equal(isCompressionMethod("rar"), false);
    assert.equal(isCompressionMethod("toString"), false);
  });
  it("gives MIME types", () => {
    assert.equal(binaryCacheMimeType("nix-cache-info"), "text/x-nix-cache-info");
    assert.equal(
      binaryCacheMimeType("00bgd045z0d4icpbc2yyz4gx48ak44la.narinfo"),
      "text/x-nix-narinfo",
    );
    assert.equal(binaryCacheMimeType("nar/x.nar.xz"), "application/x-nix-nar");
    assert.equal(binaryCacheMimeType("00bgd045z0d4icpbc2yyz4gx48ak44la.ls"), "application/json");
    assert.equal(binaryCacheMimeType("log/x.drv"), "text/plain; charset=utf-8");
    assert.equal(binaryCacheMimeType("index.html"), undefined);
  });
});
