/** Compositions: Tvix's examples, reference checking, defaults, and the combinators' rules. */
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as fx from "../src/fixtures.ts";
import {
  AVG_CHUNK_SIZE_LIMITS,
  type B3Digest,
  type BlobService,
  BlobServiceError,
  blobServiceFromUrl,
  CacheDirectoryService,
  CombinedBlobService,
  Composition,
  ConfigError,
  CutParams,
  chunkSizesFor,
  compositionFromToml,
  type DirectoryService,
  directoryServiceFromUrl,
  GrpcBlobService,
  MemoryBlobService,
  MemoryDirectoryService,
  MemoryObjectStore,
  ObjectStoreBlobService,
  PriorityBlobService,
  PriorityDirectoryService,
  putClosure,
  RaceBlobService,
  RaceDirectoryService,
  readAll,
  SqliteDirectoryService,
  validAvgChunkSize,
} from "../src/index.ts";
import { noise } from "./support/blob-conformance.ts";

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), "castore-comp-"));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function put(svc: BlobService, data: Uint8Array): Promise<B3Digest> {
  const w = svc.openWrite();
  await w.write(data);
  return w.close();
}

async function get(svc: BlobService, d: B3Digest): Promise<Uint8Array | undefined> {
  const r = await svc.openRead(d);
  return r ? readAll(r) : undefined;
}

function configError(code: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

describe("composition: Tvix's examples", () => {
  it("castore example 2: default = combined(blobstore1, blobstore2)", () => {
    const c = new Composition({
      blob: {
        blobstore1: { type: "memory" },
        blobstore2: { type: "memory" },
        default: { type: "combined", local: "blobstore1", remote: "blobstore2" },
      },
    });
    const svc = c.blobService();
    assert.ok(svc instanceof CombinedBlobService);
    // Named entries are built once and shared.
    assert.equal(svc.local, c.blobService("blobstore1"));
    assert.equal(svc.remote, c.blobService("blobstore2"));
    assert.equal(c.blobService(), svc);
  });

  it("the same name twice gives the same instance (Tvix's `concurrent`)", async () => {
    const c = new Composition({ blob: { default: { type: "memory" } } });
    const [a, b] = await Promise.all([
      Promise.resolve().then(() => c.blobService()),
      Promise.resolve().then(() => c.blobService()),
    ]);
    assert.equal(a, b);
  });

  it("rejects recursion before building anything (Tvix's `reject_recursion`)", () => {
    assert.throws(
      () =>
        new Composition({
          blob: {
            default: { type: "combined", local: "other", remote: "other" },
            other: { type: "combined", local: "default", remote: "default" },
          },
        }),
      configError(
        "Recursion",
        /blobservices\.default -> blobservices\.other -> blobservices\.default/,
      ),
    );
    assert.throws(
      () =>
        new Composition({ directory: { default: { type: "priority", services: ["default"] } } }),
      configError("Recursion"),
    );
  });

  it("the spec's store composition file (redb replaced by sqlite)", async () => {
    const dir = join(work, "spec-example");
    const toml = `
[blobservices.default]
type = "combined"
local = "local"
remote = "remote"

[blobservices.local]
type = "objectstore"
object_store_url = "file://${dir}/blobs.object_store"
object_store_options = {}

[blobservices.remote]
type = "grpc"
url = "grpc+http://[::1]:8000"

[directoryservices.default]
type = "sqlite"
is_temporary = false
path = "${dir}/directories.sqlite"

[pathinfoservices.default]
type = "nix"
base_url = "https://cache.nixos.org"
blob_service = "default"
directory_service = "default"
public_keys = ["cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="]
`;
    // castore alone knows no path-info services: rejected unless asked to skip them.
    assert.throws(() => compositionFromToml(toml), configError("UnknownKind", /pathinfoservices/));
    const c = compositionFromToml(toml, { unknownKinds: "ignore" });
    assert.deepEqual(c.ignoredKinds, ["pathinfo"]);
    const blobs = c.blobService();
    assert.ok(blobs instanceof CombinedBlobService);
    assert.ok(blobs.local instanceof ObjectStoreBlobService);
    assert.ok(blobs.remote instanceof GrpcBlobService);
    // Writes go to local, so this works without the remote daemon.
    const d = await put(blobs, fx.BLOB_A);
    assert.deepEqual(await get(c.blobService("local"), d), fx.BLOB_A);
    const dirs = c.directoryService();
    assert.ok(dirs instanceof SqliteDirectoryService);
    await putClosure(dirs, [fx.DIRECTORY_A, fx.DIRECTORY_B]);
    assert.ok(await dirs.get(fx.DIRECTORY_B.digest()));
    await c.close();
  });

  it("redb entries get a clear error", () => {
    assert.throws(
      () =>
        new Composition({
          directory: { default: { type: "redb", is_temporary: true } },
        }),
      configError("UnknownType", /redb is not supported.*sqlite/),
    );
  });
});

describe("composition: checking entries", () => {
  it("unknown references name the field", () => {
    assert.throws(
      () =>
        new Composition({
          blob: { default: { type: "combined", local: "nope", remote: "nope" } },
        }),
      configError("NotFound", /blobservices\.default\.local: store not found: nope/),
    );
    // Names are per kind: a directory service is not a blob service.
    assert.throws(
      () =>
        new Composition({
          blob: { default: { type: "priority", services: ["d"] } },
          directory: { d: { type: "memory" } },
        }),
      configError("NotFound"),
    );
  });

  it("unknown types, unknown fields, missing fields, wrong field types", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ type: "floppy" }, "UnknownType", /Unknown type: floppy/],
      [{ type: "memory", extra: 1 }, "InvalidField", /unknown field extra/],
      [{ type: "objectstore" }, "InvalidField", /missing field object_store_url/],
      [{ type: "objectstore", object_store_url: 3 }, "InvalidField", /must be a string/],
      [
        { type: "objectstore", object_store_url: "memory:///", avg_chunk_size: 1 },
        "InvalidField",
        /avg_chunk_size/,
      ],
      [
        { type: "objectstore", object_store_url: "file:///x", object_store_options: { a: "b" } },
        "InvalidUrl",
        /unknown option a/,
      ],
      [{ type: "grpc", url: "http://x" }, "InvalidUrl", /grpc\+ prefix/],
      [{ type: "priority", services: [] }, "InvalidField", /non-empty list/],
    ];
    for (const [entry, code, pattern] of cases) {
      assert.throws(
        () => new Composition({ blob: { default: entry as { type: string } } }),
        configError(code, pattern),
        JSON.stringify(entry),
      );
    }
    assert.throws(
      () => new Composition({ blob: { default: {} as { type: string } } }),
      configError("InvalidField", /missing field type/),
    );
    assert.throws(
      () => new Composition({ directory: { default: { type: "sqlite" } } }),
      configError("InvalidField", /missing field path/),
    );
  });

  it("URL references build fresh anonymous services and are checked up front", () => {
    const c = new Composition({
      directory: { default: { type: "cache", near: "memory://", far: "sqlite://" } },
    });
    const svc = c.directoryService();
    assert.ok(svc instanceof CacheDirectoryService);
    assert.ok(svc.near instanceof MemoryDirectoryService);
    assert.ok(svc.far instanceof SqliteDirectoryService);
    assert.throws(
      () =>
        new Composition({
          directory: { default: { type: "cache", near: "memory://", far: "memory:///x" } },
        }),
      configError("InvalidUrl"),
    );
  });

  it("missing names are errors when asked for", () => {
    const c = new Composition({ blob: { default: { type: "memory" } } });
    assert.throws(() => c.blobService("other"), configError("NotFound", /store not found: other/));
    assert.throws(() => c.directoryService(), configError("NotFound"));
  });

  it("fromUrls makes the default entries", () => {
    const c = Composition.fromUrls({ blob: "memory://", directory: "sqlite://" });
    assert.ok(c.blobService() instanceof MemoryBlobService);
    assert.ok(c.directoryService() instanceof SqliteDirectoryService);
  });

  it("TOML errors name the place", () => {
    assert.throws(
      () => compositionFromToml("[blobservices.default\ntype = 1", { source: "x.toml" }),
      configError("InvalidToml", /x\.toml/),
    );
    assert.throws(
      () => compositionFromToml("[other]\na = 1"),
      configError("InvalidField", /unknown top-level key other/),
    );
    assert.throws(
      () => compositionFromToml("[blobservices]\ndefault = 3"),
      configError("InvalidField", /must be a table with a type/),
    );
    assert.throws(
      () => compositionFromToml("[defaults]\nchunk = 3"),
      configError("InvalidField", /unknown field defaults.chunk/),
    );
  });
});

describe("composition: shared defaults", () => {
  const chunksOf = async (svc: BlobService, data: Uint8Array) => {
    const d = await put(svc, data);
    return (await svc.stat(d, { withChunks: true }))!.chunks!.length;
  };
  const data = noise(5, 1024 * 1024);

  it("[defaults] avg_chunk_size applies to every objectstore blob service; an entry may override", async () => {
    const c = compositionFromToml(`
[defaults]
avg_chunk_size = 16384

[blobservices.default]
type = "objectstore"
object_store_url = "memory:///"

[blobservices.big]
type = "objectstore"
object_store_url = "memory:///"
avg_chunk_size = 262144
`);
    const small = await chunksOf(c.blobService(), data);
    const big = await chunksOf(c.blobService("big"), data);
    assert.ok(small > 30, `small chunks: ${small}`);
    assert.ok(big < 10, `big chunks: ${big}`);
  });

  it("URL and programmatic defaults are the same setting", async () => {
    const viaDefaults = blobServiceFromUrl("objectstore+memory:///", { avgChunkSize: 16384 });
    const viaUrl = blobServiceFromUrl("objectstore+memory:///?avg_chunk_size=16384");
    assert.equal(await chunksOf(viaDefaults, data), await chunksOf(viaUrl, data));
  });
});

/** A ConfigError of `code` whose message names `text` (the URL, entry or field at fault). */
function configErrorNaming(code: string, text: string) {
  return (e: unknown) => {
    configError(code)(e);
    assert.ok((e as Error).message.includes(text), `${(e as Error).message} names ${text}`);
    return true;
  };
}

/** A composition file with one blob (or directory) `default` entry of these TOML lines. */
const entryToml = (kind: "blob" | "directory", lines: string) =>
  `[${kind}services.default]\n${lines}\n`;

describe("outside input: service URLs", () => {
  // Each was a TypeError or URIError, or a service that fails later, before being checked here.
  const badForBoth = [
    "objectstore:",
    "objectstore://foo",
    "objectstore+1:x",
    "objectstore+:",
    "objectstore:memory:///", // Tvix requires the `objectstore+` prefix
    "objectstore+file:///%",
    "objectstore+file:///%zz/x",
    "objectstore+file:///a%00b",
    "objectstore+s3://b/%",
    "objectstore+s3://%/p",
    "objectstore+s3://b/p?constructor=1",
    "objectstore+s3://b/p?toString=1",
    "objectstore+s3://b/p?region=a&region=b",
    "objectstore+memory:///?__proto__=1",
    "objectstore+memory:///#x",
    "grpc+unix:///%",
    "grpc+unix:relative/socket",
    "grpc+http://",
    "grpc+http://user:secret@localhost",
    "grpc+http://%zz",
    "grpc+http://localhost#x",
    "memory://#",
    "memory+x://",
  ];

  it("malformed URLs are ConfigError InvalidUrl naming the URL, for blobs and directories", () => {
    for (const url of badForBoth) {
      assert.throws(() => blobServiceFromUrl(url), configErrorNaming("InvalidUrl", url), url);
      assert.throws(() => directoryServiceFromUrl(url), configErrorNaming("InvalidUrl", url), url);
    }
    for (const url of [
      "sqlite:///%",
      "sqlite:///a%00b",
      "sqlite:relative.sqlite",
      "sqlite:///x#y",
      "sqlite+x:///y",
      "cache://?near=memory://&near=memory://&far=memory://",
    ]) {
      assert.throws(() => directoryServiceFromUrl(url), configErrorNaming("InvalidUrl", url), url);
    }
    // A bad URL inside a cache URL is named itself (a query value's "+" must be written %2B).
    for (const [near, decoded] of [
      ["objectstore://x", "objectstore://x"],
      ["sqlite:///%", "sqlite:///%"],
      ["objectstore%2Bfile:///%25", "objectstore+file:///%"],
    ]) {
      assert.throws(
        () => directoryServiceFromUrl(`cache://?near=${near}&far=memory://`),
        configErrorNaming("InvalidUrl", decoded!),
        near,
      );
    }
  });

  it("percent-encoded paths are decoded; valid forms keep working", async () => {
    const blobs = blobServiceFromUrl(`objectstore+file://${work}/with%20space`);
    assert.ok(blobs instanceof ObjectStoreBlobService);
    await put(blobs, fx.BLOB_A);
    assert.ok(await readdir(join(work, "with space")));
    const dirs = directoryServiceFromUrl(`sqlite://${work}/dirs%20db.sqlite`);
    assert.ok(dirs instanceof SqliteDirectoryService);
    await dirs.close();
    assert.ok((await readdir(work)).includes("dirs db.sqlite"));
    for (const url of [
      "objectstore+memory:///",
      "objectstore+s3://bucket/path?region=eu-west-1",
      "grpc+unix:///path/with%20space",
      "grpc+http://[::1]:12345",
      "memory://",
    ]) {
      blobServiceFromUrl(url);
      directoryServiceFromUrl(url);
    }
  });
});

describe("outside input: composition files", () => {
  it("bad object store and gRPC URLs are InvalidUrl naming the entry and the URL", () => {
    const cases: [string, string][] = [
      ['type = "objectstore"\nobject_store_url = "file:///%"', "file:///%"],
      ['type = "objectstore"\nobject_store_url = "file:///a%00b"', "file:///a%00b"],
      ['type = "objectstore"\nobject_store_url = "s3://b/%"', "s3://b/%"],
      ['type = "objectstore"\nobject_store_url = "s3://%/p"', "s3://%/p"],
      ['type = "objectstore"\nobject_store_url = "memory:///#x"', "memory:///#x"],
      ['type = "objectstore"\nobject_store_url = "not a url"', "not a url"],
      [
        'type = "objectstore"\nobject_store_url = "s3://b/p"\nobject_store_options = { constructor = "x" }',
        "unknown option constructor",
      ],
      [
        'type = "objectstore"\nobject_store_url = "memory:///"\nobject_store_options = { __proto__ = "x" }',
        "unknown option __proto__",
      ],
    ];
    for (const [lines, named] of cases) {
      for (const kind of ["blob", "directory"] as const) {
        const toml = entryToml(kind, lines);
        assert.throws(
          () => compositionFromToml(toml),
          configErrorNaming("InvalidUrl", named),
          toml,
        );
        assert.throws(
          () => compositionFromToml(toml),
          configErrorNaming("InvalidUrl", `${kind}services.default`),
        );
      }
    }
    for (const url of ["grpc+unix:///%", "grpc+http://localhost#x", "grpc+http://"]) {
      const toml = entryToml("blob", `type = "grpc"\nurl = "${url}"`);
      assert.throws(() => compositionFromToml(toml), configErrorNaming("InvalidUrl", url), url);
    }
  });

  it("a bad URL reference is InvalidUrl naming the field (not a TypeError at construction)", () => {
    for (const near of ["objectstore://x", "objectstore+1://x", "sqlite:///%", "grpc+unix:///%"]) {
      const toml = entryToml("directory", `type = "cache"\nnear = "${near}"\nfar = "memory://"`);
      assert.throws(
        () => compositionFromToml(toml),
        configErrorNaming("InvalidUrl", "directoryservices.default.near"),
        near,
      );
      assert.throws(() => compositionFromToml(toml), configErrorNaming("InvalidUrl", near));
    }
  });

  it("__proto__, constructor and toString are names like any other", () => {
    assert.throws(
      () => compositionFromToml('[__proto__services.default]\ntype = "bogus"'),
      configError("UnknownKind", /__proto__services/),
    );
    assert.throws(
      () => compositionFromToml('[constructorservices.default]\ntype = "memory"'),
      configError("UnknownKind", /constructorservices/),
    );
    assert.throws(
      () => Composition.fromUrls({ ["__proto__"]: "memory://" }),
      configError("InvalidUrl", /unknown __proto__ service type memory/),
    );
    assert.throws(
      () => compositionFromToml('[blobservices.__proto__]\ntype = "bogus"\nfoo=1'),
      configError("UnknownType", /blobservices\.__proto__: Unknown type: bogus/),
    );
    assert.throws(
      () => compositionFromToml('[blobservices.__proto__]\ntype = "memory"\nfoo=1'),
      configError("InvalidField", /blobservices\.__proto__: unknown field foo/),
    );
    assert.throws(
      () => compositionFromToml('[blobservices.default]\ntype = "constructor"'),
      configError("UnknownType", /Unknown type: constructor/),
    );
    for (const field of ["__proto__", "constructor", "toString"]) {
      assert.throws(
        () => compositionFromToml(entryToml("blob", `type = "memory"\n${field} = 1`)),
        configError("InvalidField", new RegExp(`unknown field ${field}`)),
        field,
      );
      assert.throws(
        () => compositionFromToml(`[defaults]\n${field} = 1`),
        configError("InvalidField", new RegExp(`unknown field defaults.${field}`)),
        field,
      );
      assert.throws(
        () => compositionFromToml(`${field} = 1`),
        configError("InvalidField", new RegExp(`unknown top-level key ${field}`)),
        field,
      );
      // A reference to a missing entry of that name is "not found", as for any name...
      assert.throws(
        () => compositionFromToml(entryToml("blob", `type = "priority"\nservices = ["${field}"]`)),
        configError(
          "NotFound",
          new RegExp(`store not found: ${field} \\(no blobservices.${field}\\)`),
        ),
        field,
      );
      // ...and an entry of that name is found.
      const c = compositionFromToml(
        `${entryToml("blob", `type = "priority"\nservices = ["${field}"]`)}` +
          `[blobservices.${field}]\ntype = "memory"\n`,
      );
      assert.deepEqual(c.names("blob").sort(), [field, "default"].sort());
      assert.ok(c.blobService(field) instanceof MemoryBlobService);
      assert.equal((c.blobService() as PriorityBlobService).services[0], c.blobService(field));
    }
  });
});

describe("avg_chunk_size: exactly what FastCDC accepts", () => {
  // chunkSizesFor(avg) is min = avg/2, max = 2·avg; CutParams wants min ≥ 64, max ≥ 1024 and
  // min ≤ 1 MiB, so avg runs from 512 to 2 MiB, and must be even for min to be whole bytes.
  const accepted = [512, 514, 16384, 262144, 2097150, 2097152];
  const rejected = [
    0,
    -512,
    255,
    256,
    300,
    510,
    511,
    513,
    1001,
    2097151,
    2097153,
    2097154,
    4194304,
    4194305,
    8000000,
    64 * 1024 * 1024,
  ];

  it("validAvgChunkSize agrees with CutParams around every edge (odd sizes refused)", () => {
    const cutParamsAccepts = (n: number) => {
      try {
        new CutParams(chunkSizesFor(n));
        return true;
      } catch {
        return false;
      }
    };
    for (const edge of [128, 256, 512, 1024, 1048576, 2097152, 4194304, 8388608]) {
      for (let n = edge - 3; n <= edge + 3; n++) {
        assert.equal(validAvgChunkSize(n), n % 2 === 0 && cutParamsAccepts(n), String(n));
      }
    }
    // The range messages quote is the one enforced.
    const { min, max } = AVG_CHUNK_SIZE_LIMITS;
    assert.ok(validAvgChunkSize(min) && validAvgChunkSize(max));
    assert.ok(!validAvgChunkSize(min - 2) && !validAvgChunkSize(max + 2));
    for (const n of accepted) assert.ok(validAvgChunkSize(n), String(n));
    for (const n of rejected) assert.ok(!validAvgChunkSize(n), String(n));
    for (const v of [512.5, Number.NaN, "512", 512n, undefined]) assert.ok(!validAvgChunkSize(v));
  });

  it("accepted sizes build services that can write", async () => {
    for (const n of accepted) {
      const viaUrl = blobServiceFromUrl(`objectstore+memory:///?avg_chunk_size=${n}`);
      const viaToml = compositionFromToml(
        entryToml(
          "blob",
          `type = "objectstore"\nobject_store_url = "memory:///"\navg_chunk_size = ${n}`,
        ),
      ).blobService();
      const viaDefaults = compositionFromToml(
        `[defaults]\navg_chunk_size = ${n}\n${entryToml("blob", 'type = "objectstore"\nobject_store_url = "memory:///"')}`,
      ).blobService();
      const viaOptions = blobServiceFromUrl("objectstore+memory:///", { avgChunkSize: n });
      for (const svc of [viaUrl, viaToml, viaDefaults, viaOptions]) {
        assert.deepEqual(await get(svc, await put(svc, fx.BLOB_B)), fx.BLOB_B, String(n));
      }
    }
  });

  it("rejected sizes fail when the service or composition is built", () => {
    for (const n of rejected) {
      const url = `objectstore+memory:///?avg_chunk_size=${n}`;
      assert.throws(() => blobServiceFromUrl(url), configErrorNaming("InvalidUrl", url), url);
      assert.throws(
        () =>
          compositionFromToml(
            entryToml(
              "blob",
              `type = "objectstore"\nobject_store_url = "memory:///"\navg_chunk_size = ${n}`,
            ),
          ),
        configError("InvalidField", /blobservices\.default: avg_chunk_size/),
        String(n),
      );
      assert.throws(
        () => compositionFromToml(`[defaults]\navg_chunk_size = ${n}`),
        configError("InvalidField", /defaults\.avg_chunk_size/),
        String(n),
      );
      assert.throws(
        () => blobServiceFromUrl("objectstore+memory:///", { avgChunkSize: n }),
        configError("InvalidField", /avg_chunk_size/),
        String(n),
      );
    }
    // Not an integer in a file.
    assert.throws(
      () => compositionFromToml(`[defaults]\navg_chunk_size = 512.5`),
      configError("InvalidField", /defaults\.avg_chunk_size/),
    );
    assert.throws(
      () => compositionFromToml(`[defaults]\navg_chunk_size = "1024"`),
      configError("InvalidField", /defaults\.avg_chunk_size/),
    );
  });

  it("URLs take plain decimal digits only", () => {
    for (const value of ["1e3", "0x400", "1024.0", "+1024", "%201024", "1_024", "", "1024abc"]) {
      const url = `objectstore+memory:///?avg_chunk_size=${value}`;
      assert.throws(() => blobServiceFromUrl(url), configErrorNaming("InvalidUrl", url), url);
    }
    assert.throws(
      () => blobServiceFromUrl("objectstore+memory:///?avg_chunk_size=1024&avg_chunk_size=2048"),
      configError("InvalidUrl", /given twice/),
    );
  });
});

/** A blob service that fails every call, or answers slowly. */
function failing(): BlobService {
  const boom = async () => {
    throw new BlobServiceError("backend", "backend down");
  };
  return {
    has: boom,
    stat: boom,
    openRead: boom,
    openWrite: () => {
      throw new BlobServiceError("backend", "backend down");
    },
    close: async () => {},
  };
}

function slow(inner: BlobService, ms: number, onClose?: () => void): BlobService {
  const wait = () => new Promise((r) => setTimeout(r, ms));
  return {
    has: async (d) => {
      await wait();
      return inner.has(d);
    },
    stat: async (d, o) => {
      await wait();
      return inner.stat(d, o);
    },
    openRead: async (d) => {
      await wait();
      const r = await inner.openRead(d);
      if (r && onClose) {
        const close = r.close.bind(r);
        (r as { close: () => Promise<void> }).close = async () => {
          onClose();
          await close();
        };
      }
      return r;
    },
    openWrite: (o) => inner.openWrite(o),
    close: () => inner.close(),
  };
}

describe("combinators", () => {
  it("priority: first that has it answers; writes go to the first; failures only matter if nobody answers", async () => {
    const a = new MemoryBlobService();
    const b = new MemoryBlobService();
    const inB = await put(b, fx.BLOB_B);
    const p = new PriorityBlobService([failing(), a, b]);
    assert.deepEqual(await get(p, inB), fx.BLOB_B);
    assert.equal(await p.has(inB), true);
    await assert.rejects(
      p.has(fx.BLOB_A_DIGEST),
      (e: unknown) => (e as BlobServiceError).kind === "backend",
    );
    const q = new PriorityBlobService([a, b]);
    assert.equal(await q.has(fx.BLOB_A_DIGEST), false);
    assert.equal(await q.openRead(fx.BLOB_A_DIGEST), undefined);
    const written = await put(q, fx.BLOB_A);
    assert.equal(await a.has(written), true);
    assert.equal(await b.has(written), false);
  });

  it("race: the fastest positive answer wins, late readers are closed", async () => {
    const fast = new MemoryBlobService();
    const far = new MemoryBlobService();
    const d = await put(fast, fx.BLOB_A);
    await put(far, fx.BLOB_A);
    let closedLate = 0;
    const r = new RaceBlobService([slow(far, 300, () => closedLate++), slow(fast, 1)]);
    const t0 = Date.now();
    assert.deepEqual(await get(r, d), fx.BLOB_A);
    assert.ok(Date.now() - t0 < 250, "did not wait for the slow service");
    await new Promise((res) => setTimeout(res, 350));
    assert.equal(closedLate, 1);
    // Absent means absent everywhere; a failure with no positive answer is an error.
    assert.equal(await r.openRead(fx.BLOB_B_DIGEST), undefined);
    const withFailure = new RaceBlobService([failing(), fast]);
    assert.equal(await withFailure.has(d), true);
    await assert.rejects(withFailure.has(fx.BLOB_B_DIGEST));
  });

  it("directory priority and race stream a closure from the service that has it", async () => {
    const empty = new MemoryDirectoryService();
    const full = new MemoryDirectoryService();
    await putClosure(full, [fx.DIRECTORY_A, fx.DIRECTORY_B]);
    for (const svc of [
      new PriorityDirectoryService([empty, full]),
      new RaceDirectoryService([empty, full]),
    ] satisfies DirectoryService[]) {
      const got = [];
      for await (const dir of svc.getRecursive(fx.DIRECTORY_B.digest())) got.push(dir.digest());
      assert.deepEqual(got, [fx.DIRECTORY_B.digest(), fx.DIRECTORY_A.digest()]);
      assert.ok(await svc.get(fx.DIRECTORY_A.digest()));
      const none = [];
      for await (const dir of svc.getRecursive(fx.DIRECTORY_C.digest())) none.push(dir);
      assert.equal(none.length, 0);
    }
  });

  it("combined: chunks already present locally are not fetched from remote", async () => {
    const remoteStore = new ObjectStoreBlobService(new MemoryObjectStore(), {
      avgChunkSize: 16384,
    });
    const data = noise(11, 300_000);
    const digest = await put(remoteStore, data);
    const chunks = (await remoteStore.stat(digest, { withChunks: true }))!.chunks!;
    assert.ok(chunks.length > 4);
    // Local holds the first chunk (as a blob of its own).
    const local = new MemoryBlobService();
    await put(local, data.subarray(0, chunks[0]!.size));
    let remoteReads = 0;
    const remote: BlobService = {
      ...remoteStore,
      has: (d) => remoteStore.has(d),
      stat: (d, o) => remoteStore.stat(d, o),
      openRead: (d) => {
        remoteReads++;
        return remoteStore.openRead(d);
      },
      openWrite: (o) => remoteStore.openWrite(o),
      close: () => remoteStore.close(),
    };
    const c = new CombinedBlobService(local, remote);
    assert.deepEqual(await get(c, digest), data);
    assert.equal(remoteReads, chunks.length - 1);
    assert.equal(await local.has(digest), false, "not written back, as in Tvix");
  });
});
