/**
 * Tar import: archives made by the `tar` program in every format must give the same castore
 * tree as importing the directory they were made from; hand-made archives cover what `tar`
 * will not write (traversal, devices, corrupt headers).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { chmod, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import {
  type B3Digest,
  type BlobService,
  blobServiceFromUrl,
  type DirectoryService,
  decompress,
  detectCompression,
  digestToHex,
  directoryServiceFromUrl,
  EMPTY_DIGEST,
  ImportError,
  ingestArchive,
  ingestPath,
  MemoryBlobService,
  MemoryDirectoryService,
  type Node,
  readAll,
  readTar,
} from "../src/index.ts";
import { noise } from "./support/blob-conformance.ts";
import { type CraftedEntry, pax, tarOf } from "./support/tar-writer.ts";

const FIXTURES = "/work/shared/conformance/glue/fixtures";

interface Stores {
  blobs: BlobService;
  dirs: DirectoryService;
}
const stores = (): Stores => ({
  blobs: new MemoryBlobService(),
  dirs: new MemoryDirectoryService(),
});

function nodeKey(n: Node): string {
  switch (n.type) {
    case "directory":
      return `d:${digestToHex(n.digest)}:${n.size}`;
    case "file":
      return `f:${digestToHex(n.digest)}:${n.size}:${n.executable}`;
    case "symlink":
      return `s:${Buffer.from(n.target).toString("hex")}`;
  }
}

/** Splits bytes into pieces of the given sizes (cycling), to test piece independence. */
async function* pieces(
  data: Uint8Array,
  sizes: readonly number[] = [65536],
): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (let o = 0; o < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.subarray(o, o + n);
    o += n;
  }
}

async function importBytes(data: Uint8Array, s = stores(), options = {}): Promise<Node> {
  return ingestArchive(s.blobs, s.dirs, pieces(data), options);
}

function isImport(kind: string, pattern?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ImportError, `expected ImportError, got ${e}`);
    assert.equal(e.kind, kind, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

let work: string;
/** The directory archived below: every kind of node, an executable, deep and empty dirs. */
let tree: string;
let treeNode: Node;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "castore-tar-"));
  tree = join(work, "src", "root");
  await mkdir(join(tree, "bin"), { recursive: true });
  await mkdir(join(tree, "x", "y"), { recursive: true });
  await mkdir(join(tree, "empty"));
  await writeFile(join(tree, "a.txt"), "hello\n");
  await writeFile(join(tree, "bin", "run"), "#!/bin/sh\necho hi\n");
  await chmod(join(tree, "bin", "run"), 0o755);
  await writeFile(join(tree, "x", "y", "z.bin"), noise(7, 3 * 1024 * 1024 + 17));
  await writeFile(join(tree, "x", "empty-file"), "");
  await symlink("a.txt", join(tree, "link"));
  await symlink("/nix/store/dangling", join(tree, "x", "abs-link"));
  const long = "l".repeat(120);
  await mkdir(join(tree, long, "m".repeat(150)), { recursive: true });
  await writeFile(join(tree, long, "m".repeat(150), "n".repeat(200)), "deep");
  await symlink("t".repeat(300), join(tree, "long-target"));
  const s = stores();
  treeNode = await ingestPath(s.blobs, s.dirs, tree);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

function tar(args: string[]): Buffer {
  return execFileSync("tar", args, { cwd: join(work, "src"), maxBuffer: 64 * 1024 * 1024 });
}

describe("tar import: archives from the tar program", () => {
  for (const format of ["gnu", "pax", "posix", "oldgnu"]) {
    it(`--format=${format} gives the same tree as importing the directory`, async () => {
      const data = tar(["-c", `--format=${format}`, "-f", "-", "root"]);
      const s = stores();
      const node = await importBytes(data, s);
      assert.equal(nodeKey(node), nodeKey(treeNode));
      // The blobs really are there and right.
      const root = await s.dirs.get((node as { digest: B3Digest }).digest);
      const a = root?.get("a.txt");
      assert.equal(a?.type, "file");
      const r = await s.blobs.openRead((a as { digest: B3Digest }).digest);
      assert.equal(Buffer.from(await readAll(r!)).toString(), "hello\n");
    });
  }

  it("gives the same root with chunked blob and sqlite directory backends", async () => {
    const data = tar(["-c", "-f", "-", "root"]);
    const dir = join(work, "stores");
    const blobs = blobServiceFromUrl(`objectstore+file://${dir}/blobs?avg_chunk_size=65536`);
    const dirs = directoryServiceFromUrl(`sqlite://${dir}/dirs.sqlite`);
    try {
      const node = await ingestArchive(blobs, dirs, pieces(data), { concurrency: 4 });
      assert.equal(nodeKey(node), nodeKey(treeNode));
      const closure = [];
      for await (const d of dirs.getRecursive((node as { digest: B3Digest }).digest))
        closure.push(d);
      assert.ok(closure.length >= 5);
    } finally {
      await dirs.close();
    }
  });

  it("ustar splits long names into prefix + name", async () => {
    // ustar cannot store the 300-byte symlink target or the 470-byte path: archive a subset.
    const data = tar(["-c", "--format=ustar", "-f", "-", "root/a.txt", "root/bin", "root/x/y"]);
    const node = await importBytes(data);
    const s = stores();
    await rm(join(work, "subset"), { recursive: true, force: true });
    await mkdir(join(work, "subset", "root", "x"), { recursive: true });
    execFileSync("cp", [
      "-a",
      join(tree, "a.txt"),
      join(tree, "bin"),
      join(work, "subset", "root"),
    ]);
    execFileSync("cp", ["-a", join(tree, "x", "y"), join(work, "subset", "root", "x")]);
    assert.equal(
      nodeKey(node),
      nodeKey(await ingestPath(s.blobs, s.dirs, join(work, "subset", "root"))),
    );
  });

  it("is independent of how the stream is cut into pieces", async () => {
    // Everything but the 3 MiB file, so that one-byte pieces stay quick.
    const data = tar(["-c", "--format=pax", "--exclude=z.bin", "-f", "-", "root"]);
    const expected = nodeKey(await importBytes(data));
    for (const sizes of [[1, 511, 3], [512], [4097, 13]]) {
      const node = await ingestArchive(
        new MemoryBlobService(),
        new MemoryDirectoryService(),
        pieces(data, sizes),
      );
      assert.equal(nodeKey(node), expected, String(sizes));
    }
  });

  it("makes up parent directories that have no entry of their own", async () => {
    const data = tar(["-c", "--no-recursion", "-f", "-", "root/x/y/z.bin", "root/a.txt"]);
    const node = await importBytes(data);
    const expected = stores();
    await rm(join(work, "implied"), { recursive: true, force: true });
    await mkdir(join(work, "implied", "root", "x", "y"), { recursive: true });
    await writeFile(join(work, "implied", "root", "a.txt"), "hello\n");
    await writeFile(
      join(work, "implied", "root", "x", "y", "z.bin"),
      await readFile(join(tree, "x", "y", "z.bin")),
    );
    assert.equal(
      nodeKey(node),
      nodeKey(await ingestPath(expected.blobs, expected.dirs, join(work, "implied", "root"))),
    );
  });

  it("accepts a leading ./ and skips the ./ entry itself", async () => {
    const data = execFileSync("tar", ["-c", "-f", "-", "./root"], {
      cwd: join(work, "src"),
      maxBuffer: 64 << 20,
    });
    assert.equal(nodeKey(await importBytes(data)), nodeKey(treeNode));
  });

  it("expands GNU sparse files", async () => {
    const dir = join(work, "sparse");
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, "root"), { recursive: true });
    execFileSync("truncate", ["-s", "3M", join(dir, "root", "s")]);
    execFileSync("sh", [
      "-c",
      `printf hello | dd of=${join(dir, "root", "s")} bs=1 seek=1500000 conv=notrunc 2>/dev/null`,
    ]);
    const data = execFileSync("tar", ["-c", "--sparse", "--format=gnu", "-f", "-", "root"], {
      cwd: dir,
    });
    assert.equal(data.length < 64 * 1024, true, "the archive stores the holes sparsely");
    const s = stores();
    assert.equal(
      nodeKey(await importBytes(data)),
      nodeKey(await ingestPath(s.blobs, s.dirs, join(dir, "root"))),
    );
    // pax sparse (GNU.sparse.* records) is refused rather than imported wrongly.
    const paxData = execFileSync("tar", ["-c", "--sparse", "--format=pax", "-f", "-", "root"], {
      cwd: dir,
    });
    await assert.rejects(importBytes(paxData), isImport("unsupported-file-type", /pax sparse/));
  });

  it("rejects hardlinks as Tvix does, or resolves them on request", async () => {
    const dir = join(work, "hard");
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, "root", "sub"), { recursive: true });
    await writeFile(join(dir, "root", "f"), "shared contents");
    await chmod(join(dir, "root", "f"), 0o755);
    await link(join(dir, "root", "f"), join(dir, "root", "sub", "g"));
    const data = execFileSync("tar", ["-c", "-f", "-", "root"], { cwd: dir });
    await assert.rejects(importBytes(data), isImport("unsupported-file-type", /hardlink/));
    const s = stores();
    const resolved = await importBytes(data, stores(), { hardlinks: "resolve" });
    assert.equal(nodeKey(resolved), nodeKey(await ingestPath(s.blobs, s.dirs, join(dir, "root"))));
  });

  it("decompresses gzip, bzip2, xz and zstd (sniffed, not by name)", async () => {
    // Without the 3 MiB noise file: compressing noise is slow and proves nothing more.
    const plain = tar(["-c", "--exclude=z.bin", "-f", "-", "root"]);
    const expected = nodeKey(await importBytes(plain));
    for (const [tool, args] of [
      ["gzip", ["-c"]],
      ["bzip2", ["-c"]],
      ["xz", ["-c", "-T1"]],
      ["zstd", ["-c", "-q"]],
    ] as const) {
      const packed = execFileSync(tool, [...args], { input: plain, maxBuffer: 64 << 20 });
      const kind = detectCompression(packed.subarray(0, 6));
      assert.equal(kind, tool === "gzip" ? "gzip" : tool);
      const s = stores();
      const node = await ingestArchive(s.blobs, s.dirs, decompress(pieces(packed, [3, 1000])));
      assert.equal(nodeKey(node), expected, tool);
    }
    // Without the native xz binding the xz program takes over.
    const packed = execFileSync("xz", ["-c", "-T1"], { input: plain, maxBuffer: 64 << 20 });
    process.env.TVIX_XZ = "program";
    try {
      const s = stores();
      assert.equal(
        nodeKey(await ingestArchive(s.blobs, s.dirs, decompress(pieces(packed)))),
        expected,
      );
      await assert.rejects(
        collect(decompress(pieces(packed.subarray(0, packed.length - 10)))),
        isImport("decompress", /xz exited/),
      );
    } finally {
      delete process.env.TVIX_XZ;
    }
    // Uncompressed input passes through.
    assert.equal(detectCompression(plain.subarray(0, 6)), "none");
    const s = stores();
    assert.equal(
      nodeKey(await ingestArchive(s.blobs, s.dirs, decompress(pieces(plain)))),
      expected,
    );
  });

  it("corrupt or truncated compressed input is a decompress error", async () => {
    const plain = tar(["-c", "-f", "-", "root/a.txt"]);
    for (const tool of ["gzip", "xz", "zstd", "bzip2"]) {
      const packed = execFileSync(tool, ["-c"], { input: plain });
      const cut = packed.subarray(0, packed.length - 8);
      await assert.rejects(collect(decompress(pieces(cut))), isImport("decompress"), tool);
    }
  });
});

async function collect(src: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of src) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

describe("tar import: the shared glue fixtures", () => {
  for (const name of ["blob.tar.gz", "blob.tar.bz2", "blob.tar.xz"]) {
    it(`${name} holds one empty file 'empty'`, async () => {
      const src = createReadStream(join(FIXTURES, name));
      const entries: { path: string; size: number; data: number }[] = [];
      for await (const e of readTar(decompress(src))) {
        let data = 0;
        for await (const p of e.body) data += p.length;
        entries.push({ path: Buffer.from(e.path).toString(), size: e.size, data });
      }
      assert.deepEqual(entries, [{ path: "empty", size: 0, data: 0 }]);
      // Its only top-level entry is a file: Tvix's importer wants a directory there.
      const s = stores();
      await assert.rejects(
        ingestArchive(s.blobs, s.dirs, decompress(createReadStream(join(FIXTURES, name)))),
        isImport("invalid", /unexpected number of top level directory entries/),
      );
    });
  }
});

describe("tar import: hand-made archives", () => {
  const dir = (name: string): CraftedEntry => ({ name, type: "5", mode: 0o755 });
  const file = (name: string, data = "x", mode = 0o644): CraftedEntry => ({ name, data, mode });

  it("rejects absolute paths and .. above the root, naming the entry", async () => {
    for (const name of ["/etc/passwd", "../evil", "root/../../evil", "root/a/../../../x"]) {
      await assert.rejects(
        importBytes(tarOf([dir("root/"), file(name)])),
        (e: unknown) =>
          isImport("invalid", /absolute|escapes/)(e) && (e as ImportError).path === name,
        name,
      );
    }
    // A hardlink or pax path may not escape either.
    await assert.rejects(
      importBytes(tarOf([pax({ path: "../x" }), file("ignored")])),
      isImport("invalid"),
    );
  });

  it("canonicalises .. inside the archive as Tvix does", async () => {
    const a = await importBytes(tarOf([dir("root/"), file("root/sub/../f")]));
    const b = await importBytes(tarOf([dir("root/"), file("root/f")]));
    assert.equal(nodeKey(a), nodeKey(b));
  });

  it("rejects devices, fifos and unknown entry types", async () => {
    for (const [type, what] of [
      ["3", /character device/],
      ["4", /block device/],
      ["6", /fifo/],
      ["V", /"V"/],
    ] as const) {
      await assert.rejects(
        importBytes(tarOf([dir("root/"), { name: "root/dev", type }])),
        isImport("unsupported-file-type", what),
      );
    }
  });

  it("needs exactly one top-level directory", async () => {
    for (const entries of [[], [dir("a/"), dir("b/")], [file("a")], [file("a/x"), file("b/y")]]) {
      await assert.rejects(
        importBytes(tarOf(entries)),
        isImport("invalid", /unexpected number of top level directory entries/),
      );
    }
  });

  it("applies Tvix's replacement rules for duplicate paths", async () => {
    // Tvix's cases: implicit dirs, explicit dirs, a file replacing a directory (its subtree
    // disappears), and two directories merging.
    const expected = await importBytes(tarOf([dir("a/"), file("a/b", "")]));
    const replaced = await importBytes(
      tarOf([dir("a/"), dir("a/b/"), file("a/b/c", ""), file("a/b", "")]),
    );
    assert.equal(nodeKey(replaced), nodeKey(expected));
    const merged = await importBytes(tarOf([file("a/x/1"), dir("a/x/"), file("a/x/2")]));
    const direct = await importBytes(tarOf([file("a/x/1"), file("a/x/2")]));
    assert.equal(nodeKey(merged), nodeKey(direct));
    // A later file wins over an earlier one.
    const twice = await importBytes(tarOf([file("a/f", "old"), file("a/f", "new")]));
    const once = await importBytes(tarOf([file("a/f", "new")]));
    assert.equal(nodeKey(twice), nodeKey(once));
  });

  it("reads pax path/linkpath/size records, GNU long names and v7 directories", async () => {
    const long = `root/${"p".repeat(200)}/${"q".repeat(200)}`;
    const viaPax = await importBytes(
      tarOf([
        dir("root/"),
        pax({ path: long }),
        file("short-name-ignored", "data"),
        pax({ linkpath: "q".repeat(200) }),
        { name: "root/l", type: "2", linkName: "ignored" },
      ]),
    );
    const viaGnu = await importBytes(
      tarOf([
        { name: "././@LongLink", type: "L", data: `${long}\0` },
        file("x", "data"),
        { name: "././@LongLink", type: "K", data: "q".repeat(200) },
        { name: "root/l", type: "2", linkName: "x" },
        { name: "root/", type: "0" }, // v7 directory: type 0 and a trailing slash
      ]),
    );
    assert.equal(nodeKey(viaPax), nodeKey(viaGnu));
    // ustar prefix + name
    const viaPrefix = await importBytes(tarOf([{ name: "f", prefix: "root/sub", data: "1" }]));
    const joined = await importBytes(tarOf([file("root/sub/f", "1")]));
    assert.equal(nodeKey(viaPrefix), nodeKey(joined));
  });

  it("rejects malformed archives with an archive error", async () => {
    const good = tarOf([dir("root/"), file("root/f", "x".repeat(1000))]);
    await assert.rejects(importBytes(good.subarray(0, 700)), isImport("archive", /truncated/));
    await assert.rejects(importBytes(good.subarray(0, 1600)), isImport("archive", /truncated/));
    await assert.rejects(
      importBytes(tarOf([{ ...dir("root/"), badChecksum: true }])),
      isImport("archive", /checksum/),
    );
    await assert.rejects(
      importBytes(tarOf([dir("root/"), file("root/x")]).subarray(0, 100)),
      isImport("archive"),
    );
    await assert.rejects(
      importBytes(tarOf([{ name: "PaxHeader", type: "x", data: "99 path=x\n" }, file("a/b")])),
      isImport("archive", /pax/),
    );
    // No end-of-archive blocks at all is fine (tar-rs accepts it).
    await importBytes(tarOf([dir("root/"), file("root/f")], { end: false }));
    await assert.rejects(
      importBytes(tarOf([dir("root/"), { name: "root/s", type: "2" }])),
      isImport("invalid", /symlink missing target/),
    );
  });

  it("streams large files without buffering them whole", async () => {
    const big = noise(3, 5 * 1024 * 1024);
    const data = tarOf([dir("root/"), { name: "root/big", data: big }]);
    const inner = new MemoryBlobService();
    let largest = 0;
    const spy: BlobService = {
      has: (d) => inner.has(d),
      stat: (d, o) => inner.stat(d, o),
      openRead: (d) => inner.openRead(d),
      close: () => inner.close(),
      openWrite: (o) => {
        const w = inner.openWrite(o);
        return {
          write: (b) => {
            largest = Math.max(largest, b.length);
            return w.write(b);
          },
          close: () => w.close(),
          abort: () => w.abort(),
        };
      },
    };
    const node = await ingestArchive(spy, new MemoryDirectoryService(), pieces(data));
    assert.equal(node.type, "directory");
    assert.ok(largest <= 65536, `largest write ${largest}`);
  });

  it("reports a failing blob service as an upload error", async () => {
    const failing: BlobService = {
      ...new MemoryBlobService(),
      has: async () => false,
      stat: async () => undefined,
      openRead: async () => undefined,
      close: async () => {},
      openWrite: () => ({
        write: async () => {
          throw new Error("disk on fire");
        },
        close: async () => EMPTY_DIGEST,
        abort: async () => {},
      }),
    };
    await assert.rejects(
      ingestArchive(failing, new MemoryDirectoryService(), pieces(tarOf([dir("r/"), file("r/a")]))),
      isImport("upload", /disk on fire/),
    );
  });
});

/** A segment of a GNU sparse map: where its data goes in the file, and how many bytes. */
type Segment = readonly [offset: number, size: number];

/** A 12-byte GNU number field: octal when it fits (unless told), else base-256. */
function gnuNumber(block: Uint8Array, at: number, n: number, binary = n >= 8 ** 11): void {
  if (!binary) {
    block.set(Buffer.from(`${n.toString(8).padStart(11, "0")}\0`), at);
    return;
  }
  block[at] = 0x80;
  for (let i = 11, v = n; i > 0; i--, v = Math.floor(v / 256)) block[at + i] = v % 256;
}

function withChecksum(block: Uint8Array): Uint8Array {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.set(Buffer.from(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
  return block;
}

/**
 * A GNU old-style sparse entry (type `S`) as GNU tar lays it out: four map entries in the header
 * at 386, the rest in extension blocks of 21 (each flagged "more follow" at 504), the real size
 * at 483, then `data` padded to a block. `stored` overrides the header's size field.
 */
function gnuSparse(
  name: string,
  map: {
    segments: readonly Segment[];
    realSize: number;
    data: Uint8Array;
    stored?: number;
    /** Writes the real size in base-256 even if octal would do. */
    binaryRealSize?: boolean;
  },
): Uint8Array {
  const header = new Uint8Array(512);
  header.set(Buffer.from(name));
  gnuNumber(header, 100, 0o644);
  gnuNumber(header, 124, map.stored ?? map.data.length);
  header[156] = "S".charCodeAt(0);
  header.set(Buffer.from("ustar  \0"), 257);
  gnuNumber(header, 483, map.realSize, map.binaryRealSize);
  const put = (block: Uint8Array, at: number, [offset, size]: Segment) => {
    gnuNumber(block, at, offset);
    gnuNumber(block, at + 12, size);
  };
  for (const [i, seg] of map.segments.slice(0, 4).entries()) put(header, 386 + 24 * i, seg);
  const exts: Uint8Array[] = [];
  for (let i = 4; i < map.segments.length; i += 21) {
    const ext = new Uint8Array(512);
    for (const [j, seg] of map.segments.slice(i, i + 21).entries()) put(ext, 24 * j, seg);
    ext[504] = i + 21 < map.segments.length ? 1 : 0;
    exts.push(ext);
  }
  header[482] = exts.length > 0 ? 1 : 0;
  const padded = new Uint8Array(Math.ceil(map.data.length / 512) * 512);
  padded.set(map.data);
  return Buffer.concat([withChecksum(header), ...exts, padded]);
}

/** `d/` plus the given sparse entry, then the end blocks. */
function sparseArchive(map: Parameters<typeof gnuSparse>[1]): Uint8Array {
  return Buffer.concat([
    tarOf([{ name: "d/", type: "5" }], { end: false }),
    gnuSparse("d/f", map),
    new Uint8Array(1024),
  ]);
}

/**
 * Reads every entry's body, failing once more than `limit` bytes came out: a reader that
 * expands a huge hole fails here in milliseconds instead of hanging the test.
 */
async function drain(data: Uint8Array, limit = 1 << 30): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  let total = 0;
  for await (const e of readTar(pieces(data))) {
    const parts: Buffer[] = [];
    for await (const p of e.body) {
      total += p.length;
      if (total > limit) assert.fail(`expanded past ${limit} bytes`);
      parts.push(Buffer.from(p));
    }
    bodies.push(Buffer.concat(parts));
  }
  return bodies;
}

describe("tar import: GNU sparse files", () => {
  const text = (s: string) => new Uint8Array(Buffer.from(s));

  it("expands a hand-made map (extension blocks, base-256 real size, trailing hole)", async () => {
    // 27 segments: four in the header, 21 in one extension block and two in another; the last,
    // empty one marks the trailing hole as GNU tar does. Each whole-block segment holds its own
    // byte value, the last data segment is short.
    const segments: Segment[] = [];
    const parts: Uint8Array[] = [];
    const expected = new Uint8Array(30000);
    for (let i = 0; i < 25; i++) {
      segments.push([i * 1024, 512]);
      parts.push(new Uint8Array(512).fill(i + 1));
      expected.fill(i + 1, i * 1024, i * 1024 + 512);
    }
    segments.push([26000, 5], [30000, 0]);
    parts.push(text("hello"));
    expected.set(text("hello"), 26000);
    const archive = sparseArchive({
      segments,
      realSize: 30000,
      data: Buffer.concat(parts),
      binaryRealSize: true,
    });
    assert.equal(archive.length, 512 * (1 + 1 + 2 + 26 + 2), "header, two extensions, data");
    const [dir, file] = await drain(archive);
    assert.equal(dir?.length, 0);
    assert.deepEqual(file, Buffer.from(expected));
  });

  it("gives the same node as the expanded file stored plainly", async () => {
    const data = Buffer.concat([new Uint8Array(512).fill(7), text("tail")]);
    const sparse = sparseArchive({
      segments: [
        [1000, 512],
        [5000, 4],
        [9000, 0],
      ],
      realSize: 9000,
      data,
    });
    const contents = new Uint8Array(9000);
    contents.fill(7, 1000, 1512);
    contents.set(text("tail"), 5000);
    const plain = tarOf([
      { name: "d/", type: "5" },
      { name: "d/f", data: contents },
    ]);
    assert.equal(nodeKey(await importBytes(sparse)), nodeKey(await importBytes(plain)));
    assert.deepEqual((await drain(sparse))[1], Buffer.from(contents));
  });

  it("rejects a map claiming a petabyte of holes at once", async () => {
    // The fuzzer's case: no segments, size 0, real size 2^50 in base-256.
    const bomb = sparseArchive({ segments: [], realSize: 2 ** 50, data: new Uint8Array(0) });
    await assert.rejects(drain(bomb), isImport("archive", /real size 1125899906842624/));
    await assert.rejects(importBytes(bomb), isImport("archive"));
    // A well-formed map (an empty segment marking the hole) meets the size limit instead.
    const marked = sparseArchive({
      segments: [[2 ** 50, 0]],
      realSize: 2 ** 50,
      data: new Uint8Array(0),
    });
    await assert.rejects(drain(marked), isImport("archive", /d\/f .*maxSparseFileSize/));
    await assert.rejects(importBytes(marked), isImport("archive", /maxSparseFileSize/));
  });

  it("applies maxSparseFileSize, which ingestArchive passes on", async () => {
    const archive = sparseArchive({
      segments: [
        [0, 5],
        [3 << 20, 0],
      ],
      realSize: 3 << 20,
      data: text("hello"),
    });
    const ingest = (maxSparseFileSize?: number) =>
      ingestArchive(new MemoryBlobService(), new MemoryDirectoryService(), pieces(archive), {
        maxSparseFileSize,
      });
    await assert.rejects(ingest(1 << 20), isImport("archive", /expands to 3145728 bytes/));
    assert.equal((await ingest(3 << 20)).type, "directory");
    assert.equal((await ingest()).type, "directory");
  });

  it("produces holes from one reused buffer, so memory does not grow with them", async () => {
    const archive = sparseArchive({
      segments: [
        [0, 512],
        [4 * 2 ** 30, 0],
      ],
      realSize: 4 * 2 ** 30,
      data: new Uint8Array(512).fill(1),
    });
    const buffers = new Set<ArrayBufferLike>();
    let total = 0;
    for await (const e of readTar(pieces(archive))) {
      for await (const p of e.body) {
        buffers.add(p.buffer);
        total += p.length;
      }
    }
    assert.equal(total, 4 * 2 ** 30);
    // The source's piece and the block of zeros.
    assert.ok(buffers.size <= 2, `${buffers.size} buffers for 4 GiB`);
  });

  it("rejects maps that disagree with the stored data", async () => {
    const cases: [string, Parameters<typeof gnuSparse>[1], RegExp][] = [
      // The fuzzer's over-read: 4 bytes stored, the map wants 10 (the rest would be padding).
      [
        "more data than stored",
        { segments: [[0, 10]], realSize: 10, data: text("DATA"), stored: 4 },
        /claims more than the 4 bytes/,
      ],
      // Running on would eat the next header and call it truncation.
      [
        "far more data than stored",
        {
          segments: [
            [0, 512],
            [1024, 4096],
          ],
          realSize: 5120,
          data: new Uint8Array(512),
        },
        /claims more than the 512 bytes/,
      ],
      [
        "less data than stored",
        {
          segments: [
            [0, 512],
            [2048, 0],
          ],
          realSize: 2048,
          data: new Uint8Array(1024),
        },
        /does not cover the 1024 bytes/,
      ],
      [
        "overlapping segments",
        {
          segments: [
            [0, 512],
            [256, 512],
          ],
          realSize: 768,
          data: new Uint8Array(1024),
        },
        /out of order or overlapping/,
      ],
      [
        "unsorted segments",
        {
          segments: [
            [4096, 512],
            [0, 512],
          ],
          realSize: 4608,
          data: new Uint8Array(1024),
        },
        /out of order or overlapping/,
      ],
      [
        "a segment beyond the real size",
        { segments: [[0, 512]], realSize: 100, data: new Uint8Array(512) },
        /ends at 512, not at the real size 100/,
      ],
      [
        "a trailing hole with no closing segment (tar-rs refuses it too)",
        { segments: [[0, 512]], realSize: 4096, data: new Uint8Array(512) },
        /ends at 512, not at the real size 4096/,
      ],
      [
        "a segment after one that is not whole blocks",
        {
          segments: [
            [0, 10],
            [1024, 10],
          ],
          realSize: 1034,
          data: new Uint8Array(20),
        },
        /512-byte block/,
      ],
      [
        "a segment ending past 2^53",
        { segments: [[2 ** 53 - 1, 10]], realSize: 2 ** 53 - 1, data: new Uint8Array(10) },
        /too large/,
      ],
    ];
    for (const [what, map, message] of cases) {
      await assert.rejects(drain(sparseArchive(map)), isImport("archive", message), what);
      await assert.rejects(importBytes(sparseArchive(map)), isImport("archive", message), what);
    }
  });
});

describe("tar import: property tests", () => {
  const segment = fc.constantFrom("a", "b", "c", ".", "..", "", "long".repeat(30));
  const entry = fc.record({
    name: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/")),
    type: fc.constantFrom("0", "5", "2", "1", "7", "3", "x", "L", "Z"),
    data: fc.string({ maxLength: 40 }),
    linkName: fc.constantFrom("", "a", "a/b", "../x"),
    mode: fc.constantFrom(0o644, 0o755),
  });

  it("random entry lists either import or fail with an ImportError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 8 }),
        fc.boolean(),
        async (entries, resolve) => {
          const data = tarOf(entries.map((e) => ({ ...e, data: e.type === "5" ? "" : e.data })));
          try {
            await importBytes(data, stores(), { hardlinks: resolve ? "resolve" : "reject" });
          } catch (e) {
            assert.ok(e instanceof ImportError, String(e));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("corrupted archives fail with an ImportError, never anything else", async () => {
    const good = tarOf([
      { name: "root/", type: "5" },
      pax({ path: "root/p", size: "3" }),
      { name: "x", data: "abc" },
      { name: "root/f", data: "x".repeat(700) },
      { name: "root/l", type: "2", linkName: "f" },
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        async (flips, fixChecksums) => {
          const bad = Uint8Array.from(good);
          for (const [at, v] of flips) bad[at] = v;
          if (fixChecksums) {
            // Recompute every header checksum so mutations reach the field parsers.
            for (const at of [0, 512, 1536, 2560, 4096]) {
              const block = bad.subarray(at, at + 512);
              block.fill(0x20, 148, 156);
              let sum = 0;
              for (const b of block) sum += b;
              block.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
            }
          }
          try {
            await importBytes(bad);
          } catch (e) {
            assert.ok(e instanceof ImportError, String(e));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
