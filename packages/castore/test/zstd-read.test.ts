/** Reading stored zstd objects: every path agrees with zlib, and bad input never passes. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { constants, createZstdCompress, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { BlobServiceError, blake3, ChunkedReader, readAll } from "../src/index.ts";
import {
  encodeChunkFileSync,
  encodeChunkSync,
  rawZstdFrame,
} from "../src/objectstore/zstd-chunk.ts";
import {
  frameShape,
  MAX_CHUNK,
  zstdDecompressFresh,
  zstdDecompressObject,
} from "../src/objectstore/zstd-read.ts";

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

/** A zstd frame: magic, the given header bytes, then the blocks, their bytes all `fill`. */
function handFrame(
  header: number[],
  blocks: readonly { type: 0 | 1 | 2; size: number }[],
  fill = 0x41,
): Uint8Array {
  const stored = (b: { type: number; size: number }) => (b.type === 1 ? 1 : b.size);
  const length = blocks.reduce((n, b) => n + 3 + stored(b), 4 + header.length);
  const out = new Uint8Array(length).fill(fill);
  out.set([0x28, 0xb5, 0x2f, 0xfd, ...header]);
  let at = 4 + header.length;
  for (const [i, b] of blocks.entries()) {
    const h = b.size * 8 + b.type * 2 + (i === blocks.length - 1 ? 1 : 0);
    out.set([h & 0xff, (h >>> 8) & 0xff, h >>> 16], at);
    at += 3 + stored(b);
  }
  return out;
}

const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

/** What zlib's zstd makes of `frame` (within the chunk limit): its bytes, or its error. */
function zlibVerdict(frame: Uint8Array): Uint8Array | Error {
  try {
    return new Uint8Array(zstdDecompressSync(frame, { maxOutputLength: MAX_CHUNK }));
  } catch (e) {
    return e as Error;
  }
}

/** Peak memory of the process (all threads) grows by less than `mib` during `f`. */
async function staysSmall<T>(mib: number, f: () => Promise<T>): Promise<T> {
  const before = process.resourceUsage().maxRSS;
  const r = await f();
  const grown = (process.resourceUsage().maxRSS - before) / 1024;
  assert.ok(grown < mib, `peak RSS grew by ${grown.toFixed(0)} MiB`);
  return r;
}

/** A deterministic PRNG (mulberry32), so a failing frame can be found again. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Frame_Content_Size field bytes for `v`, with the given Frame_Content_Size_Flag. */
function fcsField(v: number, flag: number): number[] {
  if (flag === 0) return [v];
  if (flag === 1) return [(v - 256) & 0xff, (v - 256) >>> 8];
  const lo = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  return flag === 2 ? lo : [...lo, 0, 0, 0, 0];
}

/**
 * A random frame of Raw and RLE blocks (sometimes a Compressed one) near the limits zstd
 * enforces: block sizes around the window and 128 KiB, windows around zstd's default limit,
 * content sizes that match or not, reserved bits, truncation.
 */
function randomFrame(rand: () => number): Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const sizes = [0, 1, 255, 256, 1023, 1024, 1025, 4096, 131_071, 131_072, 131_073, 140_000];
  const blocks = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
    const type = pick([0, 1, 1, 0, 1, 2] as const);
    const big = type === 1 && rand() < 0.2;
    return { type, size: big ? Math.floor(rand() * 2 ** 21) : pick(sizes) };
  });
  const total = blocks.reduce((a, b) => a + b.size, 0);
  const single = rand() < 0.4;
  // A single segment always has a content size; -1: none.
  const content = Math.max(single ? 0 : -1, pick([total, total, total + 1, total - 1, -1]));
  // Frame_Content_Size_Flag values whose field holds `content` (0: only a single segment's).
  const fits = (f: number) =>
    f === 0 ? single && content < 256 : f === 1 ? content >= 256 && content < 65_792 : true;
  const flag = content < 0 ? 0 : pick([0, 1, 2, 3].filter(fits));
  const fhd =
    (flag << 6) |
    (single ? 0x20 : 0) |
    (rand() < 0.1 ? 0x10 : 0) | // unused bit: ignored
    (rand() < 0.05 ? 0x08 : 0); // reserved bit: invalid
  const header = [fhd];
  if (!single) header.push(pick([0x00, 0x38, 0x50, 0x88, 0x89, 0x90, 0xff, rand() * 256]) & 0xff);
  if (content >= 0) header.push(...fcsField(content, flag));
  const frame = handFrame(header, blocks, Math.floor(rand() * 256));
  const damage = rand();
  if (damage < 0.05) return frame.subarray(0, Math.floor(rand() * frame.length));
  if (damage < 0.1) return new Uint8Array(Buffer.concat([frame, new Uint8Array(1)]));
  return frame;
}

describe("frames zstd rejects and output limits", () => {
  // No timing assertion (timings belong in bench/): decompressing a bomb to its full size would
  // run into the timeout, and the memory bound below.
  it("the fuzzer's frames fail fast and without large allocations", {
    timeout: 60_000,
  }, async () => {
    // An RLE block of 2 MiB, beyond Block_Maximum_Size (zstd: corruption).
    const rle = hex("28b52ffd0054fbffff41");
    assert.equal(frameShape(rle), undefined);
    // Window_Size of 2^41 (zstd: frame requires too much memory).
    const window = hex("28b52ffd00ff010000");
    assert.equal(frameShape(window), undefined);
    // 16 KiB of such blocks claimed 8 GiB.
    const bomb = new Uint8Array(
      Buffer.concat([
        hex("28b52ffd0054"),
        Buffer.from("faffff41".repeat(4095), "hex"),
        rle.subarray(6),
      ]),
    );
    assert.equal(bomb.length, 6 + 16 * 1024);
    await staysSmall(64, async () => {
      for (const f of [rle, window, bomb]) {
        await assert.rejects(zstdDecompressObject(f));
        await assert.rejects(zstdDecompressObject(f.slice(), { inPlace: true }));
        await assert.rejects(zstdDecompressFresh(f));
      }
    });
  });

  it("valid RLE blocks claiming more than a chunk fail before anything is allocated", async () => {
    // 4096 RLE blocks of 128 KiB in a 128 KiB window: 512 MiB from 16 KiB.
    const blocks = Array.from({ length: 4096 }, () => ({ type: 1 as const, size: 128 * 1024 }));
    const bomb = handFrame([0x00, 0x38], blocks);
    assert.equal(frameShape(bomb)?.plainSize, 512 * 1024 * 1024);
    await staysSmall(64, async () => {
      await assert.rejects(zstdDecompressObject(bomb), /more than 16777216 bytes/);
      await assert.rejects(zstdDecompressFresh(bomb), /more than 16777216 bytes/);
    });
  });

  it("block sizes follow the window: min(Window_Size, 128 KiB)", () => {
    const rle = (header: number[], size: number) =>
      frameShape(handFrame(header, [{ type: 1, size }]));
    // Window 1 KiB (descriptor 0x00).
    assert.ok(rle([0x00, 0x00], 1024));
    assert.equal(rle([0x00, 0x00], 1025), undefined);
    // Window 1 MiB (0x50): blocks up to 128 KiB.
    assert.ok(rle([0x00, 0x50], 128 * 1024));
    assert.equal(rle([0x00, 0x50], 128 * 1024 + 1), undefined);
    // Single segment: the window is the content size.
    assert.ok(rle([0x20, 5], 5));
    assert.equal(frameShape(handFrame([0x20, 5], [{ type: 0, size: 6 }])), undefined);
    // The largest window zstd takes by default (2^27), and just above it.
    assert.ok(rle([0x00, 0x88], 10));
    assert.equal(rle([0x00, 0x89], 10), undefined);
    assert.equal(rle([0x00, 0x90], 10), undefined);
    // Reserved bit set: invalid; the unused bit is ignored.
    assert.equal(rle([0x08, 0x50], 10), undefined);
    assert.ok(rle([0x10, 0x50], 10));
    for (const f of [
      [0x00, 0x00],
      [0x00, 0x50],
      [0x20, 5],
      [0x00, 0x88],
      [0x10, 0x50],
    ]) {
      assert.ok(!(zlibVerdict(handFrame(f, [{ type: 1, size: 5 }])) instanceof Error), `${f}`);
    }
  });

  it("random frames near zstd's limits: copied only when zlib decodes them the same", async () => {
    const rand = prng(20240611);
    let copied = 0;
    for (let i = 0; i < 1000; i++) {
      const frame = randomFrame(rand);
      const got = await zstdDecompressObject(frame).then(
        (r) => r.data,
        (e: Error) => e,
      );
      const shape = frameShape(frame);
      const copies =
        shape !== undefined &&
        shape.plainSize >= 0 &&
        (shape.contentSize < 0 || shape.contentSize === shape.plainSize);
      const name = Buffer.from(frame.subarray(0, 24)).toString("hex");
      if (copies) {
        // zlib's streaming decoder (16 KiB of output at a time) checks every block against
        // the window. (Its one-shot path, taken when the whole content fits the output buffer,
        // does not check Raw and RLE blocks, and takes a few frames the streaming one rejects.)
        copied++;
        const strict = zlibVerdict(frame);
        assert.ok(
          !(strict instanceof Error),
          `copied ${name}…, zlib: ${(strict as Error).message}`,
        );
        assert.deepEqual(got, strict, name);
      } else {
        // Anything else is zlib's to decide, as `zstdDecompressFresh` asks it.
        const fresh = await zstdDecompressFresh(frame).catch((e: Error) => e);
        assert.equal(got instanceof Error, fresh instanceof Error, `${name}: as zlib one-shot`);
        if (!(got instanceof Error)) assert.deepEqual(got, fresh, name);
      }
    }
    assert.ok(copied > 50, `${copied} frames took the copy path`);
  });
});

describe("valid frames decode the same through every path", () => {
  const random = new Uint8Array(randomBytes(300 * 1024));
  const inputs: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["small", text(5)],
    ["random", random],
    ["text", text(20_000)],
    ["zeros", new Uint8Array(300 * 1024)],
    ["mixed", new Uint8Array(Buffer.concat([random.subarray(0, 150_000), text(10_000)]))],
  ];

  async function everyPath(frame: Uint8Array, data: Uint8Array, what: string): Promise<void> {
    assert.deepEqual(new Uint8Array(zstdDecompressSync(frame)), data, `${what}: zlib`);
    assert.ok(frameShape(frame), `${what}: one frame`);
    assert.deepEqual((await zstdDecompressObject(frame)).data, data, `${what}: object`);
    const moved = await zstdDecompressObject(frame.slice(), { inPlace: true });
    assert.deepEqual(moved.data, data, `${what}: in place`);
    assert.deepEqual(await zstdDecompressFresh(frame), data, `${what}: fresh`);
  }

  for (const [name, data] of inputs) {
    it(`${name}: levels 1 to 3, with and without the content size`, async () => {
      for (const level of [1, 2, 3]) {
        for (const size of [1, 0]) {
          const frame = new Uint8Array(
            zstdCompressSync(data, {
              params: {
                [constants.ZSTD_c_compressionLevel]: level,
                [constants.ZSTD_c_contentSizeFlag]: size,
              },
            }),
          );
          await everyPath(frame, data, `level ${level}, content size ${size}`);
          const shape = frameShape(frame)!;
          assert.equal(shape.contentSize, size ? data.length : -1);
          // Raw and RLE frames stay on the copy path.
          if (shape.blocks.every((b) => b.type !== 2)) assert.equal(shape.plainSize, data.length);
        }
      }
    });

    it(`${name}: as the chunk encoders frame it`, async () => {
      for (const parts of [rawZstdFrame(data), encodeChunkSync(data), encodeChunkFileSync(data)]) {
        const frame = new Uint8Array(Buffer.concat(parts));
        await everyPath(frame, data, "encoded");
      }
      assert.equal(
        frameShape(new Uint8Array(Buffer.concat(rawZstdFrame(data))))?.plainSize,
        data.length,
      );
    });
  }
});

describe("a chunk decompresses to at most 16 MiB", () => {
  const limit = /more than 16777216 bytes/;
  const compressible = (n: number) => text(Math.ceil(n / 15)).subarray(0, n);
  /** A frame with Compressed blocks: without a content size, it goes to the pooled streams. */
  const compressed = (data: Uint8Array, size: number) => {
    const frame = new Uint8Array(
      zstdCompressSync(data, { params: { [constants.ZSTD_c_contentSizeFlag]: size } }),
    );
    assert.ok(frameShape(frame)?.blocks.some((b) => b.type === 2));
    return frame;
  };

  it("16 MiB exactly decodes through every path", async () => {
    assert.equal(MAX_CHUNK, 16 * 1024 * 1024);
    const random = new Uint8Array(randomBytes(MAX_CHUNK));
    const raw = new Uint8Array(Buffer.concat(rawZstdFrame(random)));
    assert.deepEqual((await zstdDecompressObject(raw)).data, random);
    assert.deepEqual((await zstdDecompressObject(raw.slice(), { inPlace: true })).data, random);
    assert.deepEqual(await zstdDecompressFresh(raw), random);
    const data = compressible(MAX_CHUNK);
    for (const size of [1, 0]) {
      const frame = compressed(data, size);
      assert.deepEqual((await zstdDecompressObject(frame)).data, data);
      assert.deepEqual(await zstdDecompressFresh(frame), data);
    }
    // RLE blocks only, no content size: 128 blocks of 128 KiB.
    const blocks = Array.from({ length: 128 }, () => ({ type: 1 as const, size: 128 * 1024 }));
    const rle = handFrame([0x00, 0x38], blocks);
    assert.equal((await zstdDecompressObject(rle)).data.length, MAX_CHUNK);
    assert.equal((await zstdDecompressFresh(rle)).length, MAX_CHUNK);
  });

  it("16 MiB and one byte fails through every path, with a clear error", async () => {
    const random = new Uint8Array(randomBytes(MAX_CHUNK + 1));
    const raw = new Uint8Array(Buffer.concat(rawZstdFrame(random)));
    await assert.rejects(zstdDecompressObject(raw), limit);
    await assert.rejects(zstdDecompressObject(raw.slice(), { inPlace: true }), limit);
    await assert.rejects(zstdDecompressFresh(raw), limit);
    const data = compressible(MAX_CHUNK + 1);
    for (const size of [1, 0]) {
      const frame = compressed(data, size);
      // Without a content size, the pooled streams stop at the limit; so does the fresh one.
      await assert.rejects(zstdDecompressObject(frame), limit);
      await assert.rejects(zstdDecompressFresh(frame), limit);
    }
    const blocks = Array.from({ length: 128 }, () => ({ type: 1 as const, size: 128 * 1024 }));
    const rle = handFrame([0x00, 0x38], [...blocks, { type: 1, size: 1 }]);
    await assert.rejects(zstdDecompressObject(rle), limit);
    await assert.rejects(zstdDecompressFresh(rle), limit);
    // The pooled streams still work afterwards.
    const small = text(1000);
    assert.deepEqual((await zstdDecompressObject(compressed(small, 0))).data, small);
  });

  it("a compressed frame far beyond the limit stops at it", async () => {
    // 256 MiB of text, compressed piece by piece (no content size), without holding it whole.
    const z = createZstdCompress();
    const parts: Buffer[] = [];
    z.on("data", (d: Buffer) => parts.push(d));
    const piece = compressible(1024 * 1024);
    for (let i = 0; i < 256; i++) z.write(piece);
    await new Promise((resolve) => z.end(resolve));
    const frame = new Uint8Array(Buffer.concat(parts));
    assert.ok(frame.length < 64 * 1024);
    assert.equal(frameShape(frame)?.contentSize, -1);
    await staysSmall(128, async () => {
      await assert.rejects(zstdDecompressObject(frame), limit);
      await assert.rejects(zstdDecompressFresh(frame), limit);
    });
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
