/** Reading stored zstd objects: every path agrees with zlib, and bad input never passes. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { constants, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { BlobServiceError, blake3, ChunkedReader, readAll } from "../src/index.ts";
import { frameShape, zstdDecompressObject } from "../src/objectstore/zstd-read.ts";

const compress = (data: Uint8Array, checksum = false, level = 1) =>
  new Uint8Array(
    zstdCompressSync(data, {
      params: {
        [constants.ZSTD_c_compressionLevel]: level,
        [constants.ZSTD_c_checksumFlag]: checksum ? 1 : 0,
      },
    }),
  );

const text = (n: number) => new TextEncoder().encode("hello castore, ".repeat(n));

describe("zstdDecompressObject", () => {
  const inputs: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["one byte", new Uint8Array([7])],
    ["incompressible 300 KiB (raw blocks)", new Uint8Array(randomBytes(300 * 1024))],
    ["zeros 300 KiB (RLE blocks)", new Uint8Array(300 * 1024)],
    ["text (compressed blocks)", text(20_000)],
    [
      "mixed",
      new Uint8Array(Buffer.concat([randomBytes(200 * 1024), Buffer.alloc(200 * 1024, 3)])),
    ],
  ];
  for (const [name, data] of inputs) {
    for (const checksum of [false, true]) {
      it(`${name}${checksum ? ", with checksum" : ""}`, async () => {
        const frame = compress(data, checksum);
        assert.ok(frameShape(frame), "one frame");
        const { data: out } = await zstdDecompressObject(frame);
        assert.deepEqual(out, new Uint8Array(zstdDecompressSync(frame)));
        assert.deepEqual(out, data);
        const { data: moved } = await zstdDecompressObject(frame.slice(), { inPlace: true });
        assert.deepEqual(moved, data);
      });
    }
  }

  it("concatenated frames go to a fresh context, as zlib's one-shot call decodes them", async () => {
    const a = text(100);
    const b = new Uint8Array(randomBytes(1000));
    const both = new Uint8Array(Buffer.concat([compress(a), compress(b)]));
    assert.equal(frameShape(both), undefined);
    const { data: out, fresh } = await zstdDecompressObject(both);
    assert.ok(fresh);
    assert.deepEqual(out, new Uint8Array(zstdDecompressSync(both)));
  });

  it("garbage, truncated and damaged frames fail, and later frames still decode", async () => {
    const good = text(5_000);
    const frame = compress(good);
    const bad: Uint8Array[] = [
      new TextEncoder().encode("garbage"),
      frame.subarray(0, frame.length - 5),
      frame.subarray(0, 8),
    ];
    for (const b of bad) {
      await assert.rejects(zstdDecompressObject(b));
      // The pooled contexts are not left mid-frame by a failure.
      for (let i = 0; i < 3; i++) {
        assert.deepEqual((await zstdDecompressObject(frame)).data, good);
      }
    }
    // A damaged compressed block either fails or yields bytes that do not hash the same.
    const damaged = frame.slice();
    damaged[damaged.length >> 1] ^= 0x55;
    const r = await zstdDecompressObject(damaged).catch(() => undefined);
    if (r) assert.notDeepEqual(blake3(r.data), blake3(good));
    assert.deepEqual((await zstdDecompressObject(frame)).data, good);
    // A compressed block whose contents are garbage: zlib fails on it (in a reused stream, then
    // in a fresh context), and the next frames still decode.
    const shape = frameShape(frame)!;
    const block = shape.blocks.find((b) => b.type === 2)!;
    const junk = frame.slice();
    junk.fill(0xff, block.start, block.start + block.size);
    for (let i = 0; i < 4; i++) {
      await assert.rejects(zstdDecompressObject(junk));
      assert.deepEqual((await zstdDecompressObject(frame)).data, good);
    }
  });

  it("a raw block's flipped byte shows up in the output (the digest check catches it)", async () => {
    const data = new Uint8Array(randomBytes(200 * 1024));
    const frame = compress(data, true);
    assert.ok(frameShape(frame)!.plainSize === data.length);
    frame[frame.length - 100] ^= 1;
    const { data: out } = await zstdDecompressObject(frame);
    assert.notDeepEqual(blake3(out), blake3(data));
  });

  it("a frame content size that disagrees with the raw blocks goes to zlib, which rejects it", async () => {
    const data = new Uint8Array(randomBytes(1000));
    const frame = compress(data);
    const shape = frameShape(frame)!;
    assert.equal(shape.contentSize, 1000);
    // Single-segment frame with a 2-byte FCS field: value = field + 256.
    assert.equal(frame[4]! >> 6, 1);
    frame[5] = (frame[5]! + 1) & 0xff;
    await assert.rejects(zstdDecompressObject(frame));
  });
});

describe("ChunkedReader read-ahead", () => {
  const chunks = Array.from({ length: 12 }, (_, i) => new Uint8Array(1000 + i).fill(i));
  const metas = chunks.map((c) => ({ digest: blake3(c), size: c.length }));
  const byHex = new Map(chunks.map((c) => [Buffer.from(blake3(c)).toString("hex"), c]));

  it("streams the same bytes, with a bounded number of fetches in flight", async () => {
    let inflight = 0;
    let most = 0;
    const fetched: string[] = [];
    const r = new ChunkedReader(
      metas,
      async (d) => {
        inflight++;
        most = Math.max(most, inflight);
        await new Promise((res) => setTimeout(res, 1));
        inflight--;
        const hex = Buffer.from(d).toString("hex");
        fetched.push(hex);
        return byHex.get(hex);
      },
      { readAhead: 3 },
    );
    assert.deepEqual(await readAll(r), new Uint8Array(Buffer.concat(chunks)));
    assert.ok(most <= 4, `at most 1 + readAhead fetches in flight, saw ${most}`);
    assert.equal(fetched.length, chunks.length);
  });

  it("a failed prefetch is reported only when reached; seeking back still works", async () => {
    const r = new ChunkedReader(
      metas,
      async (d) => {
        const c = byHex.get(Buffer.from(d).toString("hex"))!;
        if (c[0] === 2) throw new BlobServiceError("integrity", "chunk 2 bad");
        return c;
      },
      { readAhead: 4 },
    );
    assert.deepEqual(await r.read(5000), chunks[0]);
    assert.deepEqual(await r.read(5000), chunks[1]);
    await assert.rejects(r.read(5000), /chunk 2 bad/);
    r.seek(0);
    assert.deepEqual(await r.read(5000), chunks[0]);
    r.seek(-1, "end");
    assert.deepEqual(await r.read(5000), new Uint8Array([11]));
    await r.close();
  });

  it("a wrong-size chunk from read-ahead is an integrity error", async () => {
    const r = new ChunkedReader(
      metas,
      async (d) => {
        const c = byHex.get(Buffer.from(d).toString("hex"))!;
        return c[0] === 3 ? c.subarray(1) : c;
      },
      { readAhead: 2 },
    );
    await assert.rejects(readAll(r), (e: unknown) => e instanceof BlobServiceError);
  });
});
