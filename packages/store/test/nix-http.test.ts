/**
 * The nix+http PathInfoService against binary caches written by Nix 2.8 itself (`nix copy --to
 * file://`, signed, every compression), served by a plain static HTTP server: the same NAR
 * hashes as the source store, and every kind of bad cache refused (tampered NAR, bad signature,
 * missing reference, wrong NarHash), plus frankenbuild detection.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { blobServiceFromUrl, directoryServiceFromUrl } from "@tvix-ts/castore";
import {
  addNarInfoSignature,
  formatNarInfo,
  nixbase32,
  parseNarInfo,
  parseSigningKey,
  parseStorePathBaseName,
  parseVerifyingKey,
} from "@tvix-ts/nix-compat";
import { oracleSkip } from "../../../test-support/index.ts";
import {
  calculateNar,
  copyFromCache,
  FrankenbuildError,
  MemoryPathInfoService,
  NixHttpPathInfoService,
  PathInfoServiceError,
  pathInfoServiceFromUrl,
  type StoreServices,
  storeComposition,
} from "../src/index.ts";
import { generateKey, makeSourceStore, NIX_OPTS, narHashIn, runNixOk } from "./support/nix.ts";
import { type StaticServer, serveDirectory } from "./support/static-server.ts";

function memoryStore(): StoreServices {
  return {
    blobService: blobServiceFromUrl("memory://"),
    directoryService: directoryServiceFromUrl("memory://"),
    pathInfoService: new MemoryPathInfoService(),
  };
}

const hashPart = (p: string) => p.slice("/nix/store/".length, "/nix/store/".length + 32);
const baseName = (p: string) => p.slice("/nix/store/".length);

describe("nix+http PathInfoService against caches written by Nix", oracleSkip(), () => {
  let dir: string;
  let src: Awaited<ReturnType<typeof makeSourceStore>>;
  let key: { secret: string; public: string };
  let server: StaticServer;
  const caches: Record<string, string> = {};
  let depPath: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "store-nixhttp-"));
    src = await makeSourceStore(dir, join(dir, "src"), `${process.pid}-${Date.now()}`);
    depPath = src.closure.find((p) => p.endsWith("-dep"))!;
    key = generateKey(dir, "cache-test-1");
    for (const c of ["xz", "zstd", "bzip2", "br", "none"]) {
      const cdir = join(dir, "caches", c);
      await runNixOk(
        "nix",
        [
          "copy",
          ...NIX_OPTS,
          "--from",
          join(dir, "src"),
          "--to",
          `file://${cdir}?compression=${c}&secret-key=${join(dir, "cache-test-1.sk")}`,
          src.top,
          src.added,
        ],
        src.home,
      );
      caches[c] = `caches/${c}`;
    }
    server = await serveDirectory(dir);
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cacheService = (
    c: string,
    to: StoreServices,
    extra: Partial<ConstructorParameters<typeof NixHttpPathInfoService>[0]> = {},
  ) =>
    new NixHttpPathInfoService({
      baseUrl: `${server.url}/${caches[c]}`,
      publicKeys: [parseVerifyingKey(key.public)],
      blobService: to.blobService,
      directoryService: to.directoryService,
      local: to.pathInfoService,
      ...extra,
    });

  for (const c of ["xz", "zstd", "bzip2", "br", "none"]) {
    it(`copies closures from a ${c} cache with the source's NAR hashes`, async () => {
      const to = memoryStore();
      const [top] = await copyFromCache(cacheService(c, to), to, [
        parseStorePathBaseName(baseName(src.top)),
      ]);
      for (const p of src.closure) {
        const info = await to.pathInfoService.get(parseStorePathBaseName(baseName(p)).digest);
        assert.ok(info, p);
        assert.equal(
          info.narHash.toNixBase32String(),
          await narHashIn(join(dir, "src"), p, src.home),
        );
        // The castore contents render to exactly that NAR.
        const calc = await calculateNar(info.node, to.blobService, to.directoryService);
        assert.equal(nixbase32.encode(calc.narSha256), nixbase32.encode(info.narSha256));
        assert.ok(info.signatures.length > 0);
      }
      assert.ok(top!.references.every((r) => r.node !== undefined));
    });
  }

  it("builds from a URL and a composition entry", async () => {
    const c = storeComposition({
      blob: { default: { type: "memory" } },
      directory: { default: { type: "memory" } },
      pathinfo: {
        default: { type: "cache", near: "near", far: "far" },
        near: { type: "memory" },
        far: {
          type: "nix",
          base_url: `${server.url}/${caches.xz}`,
          public_keys: [key.public],
          path_info_service: "near",
        },
      },
    });
    const svc = c.build<NixHttpPathInfoService>("pathinfo", "default");
    assert.ok(await svc.get(parseStorePathBaseName(baseName(src.top)).digest));
    // The reference was recorded in the near store.
    assert.ok(
      await c
        .build<MemoryPathInfoService>("pathinfo", "near")
        .get(parseStorePathBaseName(baseName(depPath)).digest),
    );
    const viaUrl = pathInfoServiceFromUrl(
      `nix+${server.url}/${caches.zstd}?trusted-public-keys=${encodeURIComponent(key.public)}`,
    );
    assert.ok(await viaUrl.get(parseStorePathBaseName(baseName(src.added)).digest));
    assert.equal(await viaUrl.get(new Uint8Array(20)), undefined);
  });

  const integrity = (re: RegExp) => (e: unknown) =>
    e instanceof PathInfoServiceError && e.kind === "integrity" && re.test(e.message);

  it("refuses a tampered NAR", async () => {
    const ni = parseNarInfo(
      await readFile(join(dir, caches.none!, `${hashPart(src.added)}.narinfo`), "utf8"),
    );
    const other = parseNarInfo(
      await readFile(join(dir, caches.none!, `${hashPart(depPath)}.narinfo`), "utf8"),
    );
    // Serve another (valid) NAR in its place.
    server.override(`${caches.none}/${ni.url}`, await readFile(join(dir, caches.none!, other.url)));
    try {
      const to = memoryStore();
      await assert.rejects(cacheService("none", to).get(ni.storePath.digest), integrity(/NAR/));
      assert.equal(await to.pathInfoService.get(ni.storePath.digest), undefined);
    } finally {
      server.reset();
    }
  });

  it("refuses a bad signature and an unknown key", async () => {
    const p = `${caches.xz}/${hashPart(src.added)}.narinfo`;
    const text = await readFile(join(dir, p), "utf8");
    server.override(
      p,
      text.replace(
        /Sig: cache-test-1:(.)/,
        (_m, c) => `Sig: cache-test-1:${c === "A" ? "B" : "A"}`,
      ),
    );
    try {
      await assert.rejects(
        cacheService("xz", memoryStore()).get(parseStorePathBaseName(baseName(src.added)).digest),
        integrity(/no valid signature/),
      );
    } finally {
      server.reset();
    }
    const otherKey = generateKey(dir, "other-1");
    await assert.rejects(
      cacheService("xz", memoryStore(), { publicKeys: [parseVerifyingKey(otherKey.public)] }).get(
        parseStorePathBaseName(baseName(src.added)).digest,
      ),
      integrity(/no valid signature/),
    );
  });

  it("refuses a path whose reference is missing from the cache", async () => {
    server.override(`${caches.xz}/${hashPart(depPath)}.narinfo`, null);
    try {
      const to = memoryStore();
      await assert.rejects(
        cacheService("xz", to).get(parseStorePathBaseName(baseName(src.top)).digest),
        integrity(/does not have/),
      );
      assert.equal(
        await to.pathInfoService.get(parseStorePathBaseName(baseName(src.top)).digest),
        undefined,
      );
    } finally {
      server.reset();
    }
  });

  it("refuses a narinfo whose NarHash is wrong (even when validly signed)", async () => {
    const p = `${caches.xz}/${hashPart(src.added)}.narinfo`;
    const ni = parseNarInfo(await readFile(join(dir, p), "utf8"));
    const bad = {
      ...ni,
      narHash: parseNarInfo(
        await readFile(join(dir, caches.xz!, `${hashPart(depPath)}.narinfo`), "utf8"),
      ).narHash,
      signatures: [],
    };
    addNarInfoSignature(bad, parseSigningKey(key.secret));
    server.override(p, formatNarInfo(bad));
    try {
      await assert.rejects(
        cacheService("xz", memoryStore()).get(ni.storePath.digest),
        integrity(/hash mismatch/),
      );
    } finally {
      server.reset();
    }
  });

  it("detects frankenbuilds: a held reference with another NAR hash", async () => {
    const to = memoryStore();
    // We hold dep, but with different contents than the cache's dep.
    const fromCache = await cacheService("xz", memoryStore()).get(
      parseStorePathBaseName(baseName(depPath)).digest,
    );
    const forged = fromCache!.with({ narSha256: new Uint8Array(32).fill(9) });
    await to.pathInfoService.put(forged);
    const topDigest = parseStorePathBaseName(baseName(src.top)).digest;
    await assert.rejects(cacheService("xz", to).get(topDigest), (e: unknown) => {
      assert.ok(e instanceof FrankenbuildError);
      assert.equal(e.reference, depPath);
      assert.equal(e.ours, forged.narHash.toNixBase32String());
      assert.equal(e.theirs, fromCache!.narHash.toNixBase32String());
      assert.match(e.message, new RegExp(`${src.top}.*${depPath}`));
      return true;
    });
    const warnings: string[] = [];
    const ok = await cacheService("xz", to, {
      frankenbuild: "warn",
      warn: (m) => warnings.push(m),
    }).get(topDigest);
    assert.ok(ok);
    assert.equal(warnings.length, 1);
    // And no complaint when what we hold matches.
    const clean = memoryStore();
    await clean.pathInfoService.put(fromCache!);
    assert.ok(await cacheService("xz", clean).get(topDigest));
  });

  it("treats 404 and 403 as absent", async () => {
    assert.equal(await cacheService("xz", memoryStore()).get(new Uint8Array(20)), undefined);
    const names = await readdir(join(dir, caches.xz!));
    assert.ok(names.includes("nix-cache-info"));
  });
});
