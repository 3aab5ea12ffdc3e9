/** NAR rendering, layout (size, listing, ranges) and ingestion (castore-store.md §11, §16.3). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  type BlobService,
  blobServiceFromUrl,
  type DirectoryService,
  directoryServiceFromUrl,
  ingestPath,
  type Node,
} from "@tvix-ts/castore";
import { listNar, type NarNodeInput, serializeListing, writeNar } from "@tvix-ts/nix-compat";
import { oracleSkip } from "../../../test-support/index.ts";
import {
  calculateNar,
  importPath,
  ingestNar,
  MemoryPathInfoService,
  NarIngestError,
  NarLayout,
  NarRenderError,
  renderNar,
} from "../src/index.ts";
import * as fx from "./support/fixtures.ts";

async function services() {
  const blobs = blobServiceFromUrl("memory://");
  const dirs = directoryServiceFromUrl("memory://");
  for (const b of [fx.HELLOWORLD, new Uint8Array(0)]) {
    const w = blobs.openWrite();
    await w.write(b);
    await w.close();
  }
  await dirs.put(fx.DIRECTORY_WITH_KEEP);
  await dirs.put(fx.DIRECTORY_COMPLICATED);
  return { blobs, dirs };
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const CASES: [string, Node][] = [
  ["symlink", fx.NODE_SYMLINK],
  ["helloworld", fx.NODE_HELLOWORLD],
  ["complicated", fx.NODE_COMPLICATED],
];

describe("NAR rendering", () => {
  for (const [name, node] of CASES) {
    it(`renders the ${name} fixture byte-exactly, with size and hash from the spec`, async () => {
      const { blobs, dirs } = await services();
      const nar = await collect(renderNar(node, blobs, dirs));
      assert.equal(nar.length, fx.NAR_SIZE[name as keyof typeof fx.NAR_SIZE]);
      assert.equal(sha(nar), fx.NAR_SHA256[name as keyof typeof fx.NAR_SHA256]);
      const calc = await calculateNar(node, blobs, dirs);
      assert.equal(calc.narSize, nar.length);
      assert.equal(Buffer.from(calc.narSha256).toString("hex"), sha(nar));
      const layout = await NarLayout.build(node, dirs);
      assert.equal(layout.size, nar.length);
      assert.deepEqual(await collect(layout.read(blobs)), nar);
      // The listing equals the one nix-compat reads from the rendered NAR.
      assert.deepEqual(serializeListing(layout.listing), serializeListing(await listNar(nar)));
    });
  }

  it("empty directory: 96 bytes", async () => {
    const { blobs, dirs } = await services();
    const empty = { type: "directory", digest: fx.EMPTY_DIGEST, size: 0 } as const;
    await dirs.put(new (await import("@tvix-ts/castore")).Directory());
    const nar = await collect(renderNar(empty, blobs, dirs));
    assert.equal(nar.length, 96);
    assert.equal(sha(nar), fx.NAR_SHA256.empty);
  });

  it("serves every byte range of the complicated NAR exactly", async () => {
    const { blobs, dirs } = await services();
    const nar = await collect(renderNar(fx.NODE_COMPLICATED, blobs, dirs));
    const layout = await NarLayout.build(fx.NODE_COMPLICATED, dirs);
    for (let s = 0; s < nar.length; s += 37) {
      for (const e of [s, s + 1, s + 100, nar.length]) {
        if (e > nar.length) continue;
        assert.deepEqual(
          await collect(layout.read(blobs, s, e)),
          nar.subarray(s, e),
          `[${s},${e})`,
        );
      }
    }
    // Seeking into the file's contents (helloworld: contents start at 0x68).
    const hl = await NarLayout.build(fx.NODE_HELLOWORLD, dirs);
    const hw = await collect(renderNar(fx.NODE_HELLOWORLD, blobs, dirs));
    for (const off of [0x65, 0x68, 0x70]) {
      assert.deepEqual(await collect(hl.read(blobs, off, off + 10)), hw.subarray(off, off + 10));
    }
  });

  it("a blob of the wrong size or missing is a typed error", async () => {
    const { blobs, dirs } = await services();
    const isCode = (c: string) => (e: unknown) => e instanceof NarRenderError && e.code === c;
    for (const [size, code] of [
      [42, "size-mismatch"],
      [2, "size-mismatch"],
    ] as const) {
      const node = { ...fx.NODE_HELLOWORLD, size };
      await assert.rejects(collect(renderNar(node, blobs, dirs)), isCode(code));
      const layout = await NarLayout.build(node, dirs);
      if (size > 12) await assert.rejects(collect(layout.read(blobs)), isCode(code));
    }
    const missing = { ...fx.NODE_HELLOWORLD, digest: fx.DUMMY_DIGEST };
    await assert.rejects(collect(renderNar(missing, blobs, dirs)), isCode("blob-not-found"));
    const noDir = { type: "directory", digest: fx.DUMMY_DIGEST, size: 0 } as const;
    await assert.rejects(collect(renderNar(noDir, blobs, dirs)), isCode("directory-not-found"));
  });
});

/** The NAR input of a directory tree of regular files, read from disk (names sorted). */
function fsInput(path: string): NarNodeInput {
  if (!statSync(path).isDirectory()) {
    return { type: "regular", executable: false, contents: new Uint8Array(readFileSync(path)) };
  }
  const names = readdirSync(path).sort();
  return {
    type: "directory",
    entries: names.map((n) => ({ name: Buffer.from(n), node: () => fsInput(join(path, n)) })),
  };
}

describe("NAR rendering reads small files ahead", () => {
  it("renders many small files exactly, with a bounded number of reads in flight", async () => {
    const dir = await mkdtemp(join(tmpdir(), "store-prefetch-"));
    try {
      for (const sub of ["a", "b", "c"]) {
        await mkdir(join(dir, sub));
        for (let i = 0; i < 200; i++) {
          await writeFile(join(dir, sub, `f${i}`), randomBytes((i * 37) % 5000));
        }
      }
      // Large files between the small ones are streamed when reached, not read ahead.
      await writeFile(join(dir, "b", "f100"), randomBytes(1_500_000));
      await writeFile(join(dir, "b0"), randomBytes(2_000_000));
      const blobs = blobServiceFromUrl("memory://");
      const dirs = directoryServiceFromUrl("memory://");
      const node = await ingestPath(blobs, dirs, dir);
      let inFlight = 0;
      let most = 0;
      const slow: BlobService = {
        has: (d) => blobs.has(d),
        stat: (d, o) => blobs.stat(d, o),
        openWrite: (o) => blobs.openWrite(o),
        close: () => blobs.close(),
        openRead: async (d) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((r) => setTimeout(r, 1));
          try {
            return await blobs.openRead(d);
          } finally {
            inFlight--;
          }
        },
      };
      const got = await collect(renderNar(node, slow, dirs));
      const want = await collect(writeNar(fsInput(dir)));
      assert.equal(sha(got), sha(want));
      assert.ok(most > 1, `reads ran one at a time (${most})`);
      assert.ok(most <= 257, `${most} reads in flight`);
      assert.equal(inFlight, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a missing small blob among others is reported at its path", async () => {
    const { blobs, dirs } = await services();
    const node = await ingestPath(blobs, dirs, join(import.meta.dirname, "support"));
    const empty = blobServiceFromUrl("memory://");
    await assert.rejects(
      collect(renderNar(node, empty, dirs)),
      (e) => e instanceof NarRenderError && e.code === "blob-not-found" && /\(at /.test(e.message),
    );
  });
});

describe("NAR ingestion", () => {
  for (const [name, node] of CASES) {
    it(`ingests the ${name} NAR back into the same node, uploading its parts`, async () => {
      const src = await services();
      const nar = await collect(renderNar(node, src.blobs, src.dirs));
      const blobs = blobServiceFromUrl("memory://");
      const dirs = directoryServiceFromUrl("memory://");
      // Fed in awkward small chunks.
      const chunks = Array.from({ length: Math.ceil(nar.length / 7) }, (_, i) =>
        nar.subarray(i * 7, i * 7 + 7),
      );
      const got = await ingestNar(blobs, dirs, chunks, {
        expectedSha256: Buffer.from(sha(nar), "hex"),
      });
      assert.deepEqual(got.node, node);
      assert.equal(got.narSize, nar.length);
      assert.equal(Buffer.from(got.narSha256).toString("hex"), sha(nar));
      assert.deepEqual(await collect(renderNar(got.node, blobs, dirs)), nar);
    });
  }

  it("rejects malformed NARs with a typed error and publishes no directories", async () => {
    const src = await services();
    const nar = await collect(renderNar(fx.NODE_COMPLICATED, src.blobs, src.dirs));
    const bad: Uint8Array[] = [
      nar.subarray(0, nar.length - 8), // truncated
      Buffer.concat([nar, Buffer.alloc(8)]), // trailing bytes
      Buffer.from("not a nar at all, not at all"),
      (() => {
        const b = Buffer.from(nar);
        b[60] ^= 0xff; // corrupt token
        return b;
      })(),
    ];
    for (const b of bad) {
      const dirs = directoryServiceFromUrl("memory://");
      await assert.rejects(
        ingestNar(blobServiceFromUrl("memory://"), dirs, [b]),
        (e) => e instanceof NarIngestError && e.code === "invalid-nar",
      );
      assert.equal(await dirs.get(fx.DIRECTORY_COMPLICATED.digest()), undefined);
    }
  });

  it("a file's contents cut short are invalid-nar, not a failed upload", async () => {
    // The reader's NarError reaches ingestNar wrapped by the blob uploader; declared lengths
    // above and below the uploader's streaming threshold take its two paths.
    const fuzzed = Buffer.from(
      "0d000000000000006e69782d617263686976652d3100000001000000000000002800000000000000040000000000000074797065000000000700000000000000726567756c6172000800000000000000636f6e74656e7473ffffff7f0000000068656c6c6f20776f726c6400000000000100000000000000",
      "hex",
    );
    const hello = Buffer.from("hello world");
    for (const b of [fuzzed, fx.fileNar(hello, 100), fx.fileNar(hello, 2 * 1024 * 1024)]) {
      await assert.rejects(
        ingestNar(blobServiceFromUrl("memory://"), directoryServiceFromUrl("memory://"), [b]),
        (e) => e instanceof NarIngestError && e.code === "invalid-nar",
      );
    }
  });

  it("a size limit hit inside a file's contents is size-mismatch", async () => {
    // Large enough to be streamed to the blob service: the limit is hit while the blob
    // uploader reads, and reaches ingestNar wrapped by it.
    const nar = fx.fileNar(Buffer.alloc(2 * 1024 * 1024, 1));
    const chunks = Array.from({ length: Math.ceil(nar.length / 65536) }, (_, i) =>
      nar.subarray(i * 65536, (i + 1) * 65536),
    );
    await assert.rejects(
      ingestNar(blobServiceFromUrl("memory://"), directoryServiceFromUrl("memory://"), chunks, {
        expectedSize: nar.length >> 1,
      }),
      (e) => e instanceof NarIngestError && e.code === "size-mismatch",
    );
  });

  it("beforeCommit sees the NAR before its directories are committed, and can reject it", async () => {
    const src = await services();
    const nar = await collect(renderNar(fx.NODE_COMPLICATED, src.blobs, src.dirs));
    const dirs = directoryServiceFromUrl("memory://");
    const refusal = new Error("not this one");
    let seen: number | undefined;
    await assert.rejects(
      ingestNar(blobServiceFromUrl("memory://"), dirs, [nar], {
        beforeCommit: async (got) => {
          seen = got.narSize;
          assert.equal(await dirs.get(fx.DIRECTORY_COMPLICATED.digest()), undefined);
          throw refusal;
        },
      }),
      (e) => e === refusal,
    );
    assert.equal(seen, nar.length);
    assert.equal(await dirs.get(fx.DIRECTORY_COMPLICATED.digest()), undefined);
    await ingestNar(blobServiceFromUrl("memory://"), dirs, [nar], { beforeCommit: () => {} });
    assert.ok(await dirs.get(fx.DIRECTORY_COMPLICATED.digest()));
  });

  it("checks the expected hash and size; nothing becomes visible on mismatch", async () => {
    const src = await services();
    const nar = await collect(renderNar(fx.NODE_COMPLICATED, src.blobs, src.dirs));
    const dirs = directoryServiceFromUrl("memory://");
    await assert.rejects(
      ingestNar(blobServiceFromUrl("memory://"), dirs, [nar], {
        expectedSha256: new Uint8Array(32),
      }),
      (e) => e instanceof NarIngestError && e.code === "hash-mismatch",
    );
    assert.equal(await dirs.get(fx.DIRECTORY_COMPLICATED.digest()), undefined);
    await assert.rejects(
      ingestNar(blobServiceFromUrl("memory://"), dirs, [nar], { expectedSize: 100 }),
      (e) => e instanceof NarIngestError && e.code === "size-mismatch",
    );
  });
});

describe("importing a single file", () => {
  it("hashes its NAR while reading it, as rendering it from castore would", async () => {
    const dir = await mkdtemp(join(tmpdir(), "store-import-file-"));
    try {
      for (const size of [0, 1, 7, 8, 13, 65_535, 70_000, 1_500_000, 9_000_001, 17_000_003]) {
        for (const executable of [false, true]) {
          const file = join(dir, `f${size}${executable ? "x" : ""}`);
          await writeFile(file, randomBytes(size));
          await chmod(file, executable ? 0o755 : 0o644);
          const blobs = blobServiceFromUrl("memory://");
          const dirs = directoryServiceFromUrl("memory://");
          // Nothing is read back: the NAR is hashed in the import's own pass.
          const writeOnly: BlobService = {
            has: (d) => blobs.has(d),
            stat: (d, o) => blobs.stat(d, o),
            openWrite: (o) => blobs.openWrite(o),
            close: () => blobs.close(),
            openRead: () => Promise.reject(new Error("read back during the import")),
          };
          const info = await importPath(
            {
              blobService: writeOnly,
              directoryService: dirs,
              pathInfoService: new MemoryPathInfoService(),
            },
            file,
          );
          const rendered = await calculateNar(info.node, blobs, dirs);
          const nar = await collect(renderNar(info.node, blobs, dirs));
          assert.equal(info.narSize, rendered.narSize, `${size} ${executable}`);
          assert.equal(info.narSize, nar.length);
          assert.deepEqual(info.narSha256, rendered.narSha256, `${size} ${executable}`);
          assert.equal(info.node.type === "file" && info.node.executable, executable);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("importing a tree with its NAR hashed elsewhere (sourceNar)", () => {
  it("uses it only when its castore node is the one imported", async () => {
    const dir = await mkdtemp(join(tmpdir(), "store-import-source-"));
    try {
      const tree = join(dir, "tree");
      await mkdir(join(tree, "sub"), { recursive: true });
      await writeFile(join(tree, "a"), "hello\n");
      await writeFile(join(tree, "sub", "b"), randomBytes(5000));
      const services = () => ({
        blobService: blobServiceFromUrl("memory://"),
        directoryService: directoryServiceFromUrl("memory://"),
        pathInfoService: new MemoryPathInfoService(),
      });
      const plain = await importPath(services(), tree);
      // A NAR hash claimed for the same node is taken as it is (the caller hashed those bytes).
      const claimed = { narSize: 1, narSha256: new Uint8Array(32).fill(7), node: plain.node };
      const used = await importPath(services(), tree, { sourceNar: async () => claimed });
      assert.deepEqual(used.narSha256, claimed.narSha256);
      assert.equal(used.narSize, 1);
      // For another node (say, a file changed between the two reads), the NAR is rendered.
      await writeFile(join(dir, "other"), "other");
      // Only a directory's is asked for: a single file's NAR is hashed as it is read.
      let asked = 0;
      const other = await importPath(services(), join(dir, "other"), {
        sourceNar: async () => {
          asked++;
          return undefined;
        },
      });
      assert.equal(asked, 0);
      for (const sourceNar of [
        () => Promise.resolve({ ...claimed, node: other.node }),
        () => Promise.resolve(undefined),
        () => Promise.reject(new Error("the worker failed")),
      ]) {
        const info = await importPath(services(), tree, { sourceNar });
        assert.deepEqual(info.narSha256, plain.narSha256);
        assert.equal(info.narSize, plain.narSize);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("NAR against Nix (nix-store --dump / --add)", oracleSkip(), () => {
  it("names single files as nix-store --add", async () => {
    const dir = await mkdtemp(join(tmpdir(), "store-add-file-"));
    try {
      for (const [name, size, mode] of [
        ["empty", 0, 0o644],
        ["odd", 13, 0o755],
        ["big", 5_000_003, 0o644],
        ["huge", 17_000_001, 0o755],
      ] as const) {
        const file = join(dir, name);
        await writeFile(file, randomBytes(size));
        await chmod(file, mode);
        const info = await importPath(
          {
            blobService: blobServiceFromUrl("memory://"),
            directoryService: directoryServiceFromUrl("memory://"),
            pathInfoService: new MemoryPathInfoService(),
          },
          file,
        );
        const expected = spawnSync("nix-store", ["--store", join(dir, "nix"), "--add", file], {
          encoding: "utf8",
        }).stdout.trim();
        assert.equal(info.storePath.toAbsolutePath(), expected, name);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("renders imported trees exactly as nix-store --dump, and names them as nix-store --add", async () => {
    const dir = await mkdtemp(join(tmpdir(), "store-nar-"));
    try {
      const tree = join(dir, "tree");
      await mkdir(join(tree, "sub", "deeper"), { recursive: true });
      await writeFile(join(tree, "a"), "hello\n");
      await writeFile(join(tree, "B"), "");
      await writeFile(join(tree, "sub", "run.sh"), "#!/bin/sh\necho hi\n");
      await chmod(join(tree, "sub", "run.sh"), 0o755);
      await writeFile(join(tree, "sub", "deeper", "big"), Buffer.alloc(300_000, 7));
      await symlink("../a", join(tree, "sub", "link"));
      const blobs: BlobService = blobServiceFromUrl("memory://");
      const dirs: DirectoryService = directoryServiceFromUrl("memory://");
      const node = await ingestPath(blobs, dirs, tree);
      const ours = await collect(renderNar(node, blobs, dirs));
      const theirs = spawnSync("nix-store", ["--dump", tree], { maxBuffer: 1 << 26 }).stdout;
      assert.ok(ours.equals(theirs));
      const info = await importPath(
        {
          blobService: blobs,
          directoryService: dirs,
          pathInfoService: new MemoryPathInfoService(),
        },
        tree,
      );
      const expected = spawnSync("nix-store", ["--store", join(dir, "nixstore"), "--add", tree], {
        encoding: "utf8",
      }).stdout.trim();
      assert.equal(info.storePath.toAbsolutePath(), expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
