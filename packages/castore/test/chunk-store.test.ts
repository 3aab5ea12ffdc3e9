/**
 * Writing chunks of `objectstore+file` blobs in the chunk-store worker: the frames it writes
 * for incompressible chunks are ordinary zstd, and the worker path stores exactly the chunks
 * the main-thread path stores (same cut points, same digests, same objects).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { zstdDecompressSync } from "node:zlib";
import { BIG, HAS_DIGEST, storeBatch } from "../src/blob/chunk-store-batch.ts";
import { workerEnv } from "../src/blob/worker-env.ts";
import { blake3, blobServiceFromUrl, digestToHex, digestToString, readAll } from "../src/index.ts";
import {
  encodeChunkFileSync,
  encodeChunkSync,
  looksIncompressible,
  rawZstdFrame,
} from "../src/objectstore/zstd-chunk.ts";
import { frameShape } from "../src/objectstore/zstd-read.ts";

const joined = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const text = (n: number) => new TextEncoder().encode("castore chunk text, ".repeat(n));

describe("raw zstd frames", () => {
  for (const size of [0, 1, 255, 256, 65_791, 128 * 1024, 128 * 1024 + 1, 300_000, 1 << 20]) {
    it(`${size} bytes decode with zlib's zstd and have only Raw blocks`, () => {
      const data = new Uint8Array(randomBytes(size));
      const frame = joined(rawZstdFrame(data));
      assert.deepEqual(new Uint8Array(zstdDecompressSync(frame)), data);
      const shape = frameShape(frame);
      assert.ok(shape);
      assert.equal(shape.plainSize, size);
      assert.equal(shape.contentSize, size);
      assert.ok(shape.blocks.every((b) => b.type === 0 && b.size <= 128 * 1024));
    });
  }
});

describe("chunk encoding", () => {
  it("random bytes look incompressible; text, zeros and tiny chunks do not", () => {
    assert.equal(looksIncompressible(new Uint8Array(randomBytes(256 * 1024))), true);
    assert.equal(looksIncompressible(text(20_000)), false);
    assert.equal(looksIncompressible(new Uint8Array(256 * 1024)), false);
    assert.equal(looksIncompressible(new Uint8Array(randomBytes(1000))), false);
    for (const n of [1024, 3000, 16 * 1024, 40_000]) {
      assert.equal(looksIncompressible(new Uint8Array(randomBytes(n))), true, `${n} random`);
      assert.equal(looksIncompressible(text(n / 16)), false, `${n} text`);
    }
    // Random hex: uniform over 16 byte values, 4 bits per byte.
    const hex = new TextEncoder().encode(randomBytes(128 * 1024).toString("hex"));
    assert.equal(looksIncompressible(hex), false);
  });

  it("every encoding is one zstd frame of the chunk", () => {
    const mixed = new Uint8Array(Buffer.concat([randomBytes(100_000), text(10_000)]));
    for (const data of [
      new Uint8Array(randomBytes(256 * 1024)),
      text(20_000),
      mixed,
      new Uint8Array([1, 2, 3]),
    ]) {
      const frame = joined(encodeChunkSync(data));
      assert.ok(frameShape(frame));
      assert.deepEqual(new Uint8Array(zstdDecompressSync(frame)), data);
    }
    assert.ok(joined(encodeChunkSync(text(20_000))).length < 20_000, "text is compressed");
  });

  it("a chunk file that fits in one 4 KiB block is a Raw frame; larger ones are judged", () => {
    for (const data of [text(1), text(200), new Uint8Array(4084), new Uint8Array(0)]) {
      const frame = joined(encodeChunkFileSync(data));
      assert.equal(frame.length, data.length + 12);
      assert.ok(frameShape(frame)?.blocks.every((b) => b.type === 0));
      assert.deepEqual(new Uint8Array(zstdDecompressSync(frame)), data);
    }
    const larger = text(300); // 6,000 bytes of text: compressed
    const frame = joined(encodeChunkFileSync(larger));
    assert.ok(frame.length < larger.length);
    assert.deepEqual(new Uint8Array(zstdDecompressSync(frame)), larger);
  });
});

describe("objectstore+file writes through the chunk-store worker", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  // Random and compressible parts, so chunks of both kinds are stored.
  const blob = new Uint8Array(
    Buffer.concat([randomBytes(700_000), text(30_000), randomBytes(500_000), text(5_000)]),
  );

  for (const transfer of [false, true]) {
    it(`same chunks as the main-thread path (pieces ${transfer ? "handed over" : "copied"})`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "castore-chunk-store-"));
      dirs.push(dir);
      const file = blobServiceFromUrl(`objectstore+file://${dir}?avg_chunk_size=16384`);
      const memory = blobServiceFromUrl("objectstore+memory:///?avg_chunk_size=16384");
      const write = async (svc: typeof file, give: boolean) => {
        const w = svc.openWrite();
        // Odd piece sizes, each its own buffer (so it can be handed over).
        for (let off = 0, i = 0; off < blob.length; i++) {
          const n = Math.min(blob.length - off, 10_000 + ((i * 7919) % 90_000));
          await w.write(blob.slice(off, off + n), { transfer: give });
          off += n;
        }
        return w.close();
      };
      const digest = await write(file, transfer);
      assert.equal(digestToString(digest), digestToString(blake3(blob)));
      assert.equal(digestToString(await write(memory, false)), digestToString(digest));
      const [a, b] = [
        await file.stat(digest, { withChunks: true }),
        await memory.stat(digest, { withChunks: true }),
      ];
      assert.ok(a?.chunks && b?.chunks && a.chunks.length > 10);
      assert.deepEqual(
        a.chunks.map((c) => [digestToHex(c.digest), c.size]),
        b.chunks.map((c) => [digestToHex(c.digest), c.size]),
      );
      // Every stored chunk is a zstd frame of bytes with its digest.
      for (const c of a.chunks) {
        const hex = digestToHex(c.digest);
        const stored = readFileSync(join(dir, "chunks", "b3", hex.slice(0, 4), hex));
        const bytes = new Uint8Array(zstdDecompressSync(stored));
        assert.equal(digestToHex(blake3(bytes)), hex);
        assert.equal(bytes.length, c.size);
      }
      const reader = await file.openRead(digest);
      assert.ok(reader);
      assert.deepEqual(await readAll(reader), blob);
    });
  }

  it("a one-chunk blob is stored under its own digest, only after close", async () => {
    const dir = await mkdtemp(join(tmpdir(), "castore-chunk-store-"));
    dirs.push(dir);
    const svc = blobServiceFromUrl(`objectstore+file://${dir}`);
    const data = new Uint8Array(randomBytes(100_000));
    const w = svc.openWrite();
    await w.write(data.slice(), { transfer: true });
    assert.equal(await svc.has(blake3(data)), false);
    const digest = await w.close();
    assert.equal(await svc.has(digest), true);
    assert.deepEqual((await svc.stat(digest, { withChunks: true }))?.chunks, []);
    const r = await svc.openRead(digest);
    assert.ok(r);
    assert.deepEqual(await readAll(r), data);
    // An aborted writer leaves nothing visible.
    const other = new Uint8Array(randomBytes(2_000_000));
    const w2 = svc.openWrite();
    await w2.write(other.slice(), { transfer: true });
    await w2.abort();
    assert.equal(await svc.has(blake3(other)), false);
  });
});

describe("chunk-store batches", () => {
  it("store every chunk of a batch, packed or not, and report failures per chunk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "castore-chunk-batch-"));
    try {
      mkdirSync(join(dir, ".tmp"));
      const a = new Uint8Array(randomBytes(3000));
      const b = text(100);
      const c = new Uint8Array(randomBytes(70_000));
      const packed = new Uint8Array(Buffer.concat([a, b]));
      const digests = new Uint8Array(96);
      digests.set(blake3(c), 64);
      const reply = storeBatch({
        root: dir,
        ids: Int32Array.from([7, 8, 9]),
        flags: Uint8Array.from([0, 0, BIG | HAS_DIGEST]),
        packed,
        ends: Uint32Array.from([a.length, a.length + b.length, 0]),
        digests,
        big: [c],
      });
      assert.deepEqual(reply.failed, []);
      assert.deepEqual([...reply.ids], [7, 8, 9]);
      assert.equal(reply.packed, packed.buffer, "the packed buffer goes back for reuse");
      [a, b, c].forEach((data, i) => {
        const hex = digestToHex(reply.digests.subarray(32 * i, 32 * i + 32));
        assert.equal(hex, digestToHex(blake3(data)));
        const stored = readFileSync(join(dir, "chunks", "b3", hex.slice(0, 4), hex));
        assert.deepEqual(new Uint8Array(zstdDecompressSync(stored)), data);
      });
      // No temp directory under this root: each chunk fails on its own, with the error.
      const other = await mkdtemp(join(tmpdir(), "castore-chunk-batch-"));
      try {
        const bad = storeBatch({
          root: other,
          ids: Int32Array.from([1, 2]),
          flags: Uint8Array.from([0, 0]),
          packed: new Uint8Array(randomBytes(20)),
          ends: Uint32Array.from([10, 20]),
          digests: new Uint8Array(64),
          big: [],
        });
        assert.deepEqual(
          bad.failed.map(([i]) => i),
          [0, 1],
        );
        assert.match(bad.failed[0]![1], /ENOENT/);
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("workers start with Node's compile cache unless it is turned off", () => {
    const env = workerEnv();
    if (!process.env.NODE_DISABLE_COMPILE_CACHE) assert.ok(env.NODE_COMPILE_CACHE);
    assert.equal(env.PATH, process.env.PATH);
  });
});
