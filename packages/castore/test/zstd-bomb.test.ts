/**
 * Stored chunks that claim far more than any chunk holds ("zstd bombs", found by fuzzing): a few
 * KiB of zstd block headers made `openRead` allocate gigabytes before the digest check failed.
 * Every read path (this thread, and the chunk read worker for `objectstore+file`) must fail them
 * quickly with an integrity error, and still read chunks up to FastCDC's largest, 16 MiB.
 * The read worker is per process, so this file's tests run in order on one fresh process.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { constants, zstdCompressSync } from "node:zlib";
import { chunkReadPool, READS_BEFORE_WORKER, UNAVAILABLE } from "../src/blob/chunk-pool.ts";
import {
  type B3Digest,
  type BlobService,
  BlobServiceError,
  blake3,
  digestToHex,
  FileObjectStore,
  MemoryObjectStore,
  type ObjectStore,
  ObjectStoreBlobService,
  readAll,
  shardedKey,
} from "../src/index.ts";
import { rawZstdFrame } from "../src/objectstore/zstd-chunk.ts";

const MAX_CHUNK = 16 * 1024 * 1024;
const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const chunkKey = (d: B3Digest) => shardedKey("chunks", digestToHex(d));

/** The fuzzer's frames, each stored as a chunk. */
const bombs: [string, Uint8Array][] = [
  ["an RLE block of 2 MiB", hex("28b52ffd0054fbffff41")],
  ["a window of 2^41 bytes", hex("28b52ffd00ff010000")],
  [
    "16 KiB of 2 MiB RLE blocks (8 GiB)",
    new Uint8Array(
      Buffer.concat([
        hex("28b52ffd0054"),
        Buffer.from("faffff41".repeat(4095), "hex"),
        Buffer.from("fbffff41", "hex"),
      ]),
    ),
  ],
  [
    "16 KiB of 128 KiB RLE blocks in a 128 KiB window (512 MiB)",
    new Uint8Array(
      Buffer.concat([
        hex("28b52ffd0038"),
        Buffer.from("02001041".repeat(4095), "hex"),
        Buffer.from("03001041", "hex"),
      ]),
    ),
  ],
  [
    "a compressed frame of 1 GiB of zeros without a content size",
    new Uint8Array(
      zstdCompressSync(Buffer.alloc(1024 * 1024 * 1024), {
        params: { [constants.ZSTD_c_contentSizeFlag]: 0 },
      }),
    ),
  ],
];

/** Ways a chunk of `data` may be stored: as the chunk encoders frame it, or as zstd does. */
function storedForms(data: Uint8Array): [string, Uint8Array][] {
  const zstd = (size: number) =>
    new Uint8Array(
      zstdCompressSync(data, {
        params: {
          [constants.ZSTD_c_compressionLevel]: 1,
          [constants.ZSTD_c_contentSizeFlag]: size,
        },
      }),
    );
  return [
    ["raw blocks", new Uint8Array(Buffer.concat(rawZstdFrame(data)))],
    ["compressed, with content size", zstd(1)],
    ["compressed, without content size", zstd(0)],
  ];
}

/** Half random, half zeros: Raw blocks, then RLE or compressed ones. */
function chunkOf(size: number): Uint8Array {
  const data = new Uint8Array(size);
  data.set(randomBytes(size >> 1));
  return data;
}

/**
 * `f` fails with an integrity error, and peak memory grows by less than 128 MiB. (How long it
 * takes is not asserted: timings belong in bench/; the tests that call this have a timeout,
 * which a bomb decompressed to its full size would run into.)
 */
async function failsFast(f: () => Promise<unknown>, message = /not valid zstd/): Promise<void> {
  const peak = process.resourceUsage().maxRSS;
  await assert.rejects(f(), (e: unknown) => {
    assert.ok(e instanceof BlobServiceError, `${e}`);
    assert.equal(e.kind, "integrity");
    // This thread gives zlib's error as the cause; the worker's reply has it in the message.
    assert.match(`${e.message}: ${(e.cause as Error | undefined)?.message}`, message);
    return true;
  });
  const grown = (process.resourceUsage().maxRSS - peak) / 1024;
  assert.ok(grown < 128, `peak RSS grew by ${grown.toFixed(0)} MiB`);
}

/** The read tests, for a service over `store`. */
function readTests(make: () => Promise<{ store: ObjectStore; svc: BlobService }>): void {
  for (const [name, frame] of bombs) {
    it(`${name}: an integrity error, fast and small`, { timeout: 60_000 }, async () => {
      const { store, svc } = await make();
      const digest = blake3(new TextEncoder().encode(name));
      await store.put(chunkKey(digest), frame);
      await failsFast(() => svc.openRead(digest));
    });
  }

  it("a chunk of exactly 16 MiB reads back, stored any way", async () => {
    const { store, svc } = await make();
    const data = chunkOf(MAX_CHUNK);
    const digest = blake3(data);
    for (const [form, frame] of storedForms(data)) {
      await store.put(chunkKey(digest), frame);
      const reader = await svc.openRead(digest);
      assert.ok(reader, form);
      assert.deepEqual(await readAll(reader), data, form);
    }
  });

  it("a chunk of 16 MiB and one byte is an integrity error, stored any way", {
    timeout: 60_000,
  }, async () => {
    const { store, svc } = await make();
    const data = chunkOf(MAX_CHUNK + 1);
    const digest = blake3(data);
    for (const [, frame] of storedForms(data)) {
      await store.put(chunkKey(digest), frame);
      await failsFast(() => svc.openRead(digest), /more than 16777216 bytes/);
    }
  });
}

describe("zstd bombs read on this thread", { concurrency: false }, () => {
  readTests(async () => {
    const store = new MemoryObjectStore();
    return { store, svc: new ObjectStoreBlobService(store) };
  });
});

describe("zstd bombs read by the chunk read worker", { concurrency: false }, () => {
  const dirs: string[] = [];
  const pool = chunkReadPool()!;

  before(async () => {
    // The worker starts after this many reads here; then reads go to it once it is ready.
    for (let i = 0; i <= READS_BEFORE_WORKER; i++)
      await pool.read("/nonexistent", new Uint8Array(32));
    for (const start = Date.now(); !pool.ready; ) {
      if (Date.now() - start > 20_000) assert.fail("the chunk read worker did not start");
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function make() {
    const dir = await mkdtemp(join(tmpdir(), "castore-zstd-bomb-"));
    dirs.push(dir);
    const store = new FileObjectStore(dir);
    return { store, svc: new ObjectStoreBlobService(store) };
  }

  it("reads go to the worker", async () => {
    const { store } = await make();
    const digest = blake3(new Uint8Array([1]));
    await store.put(chunkKey(digest), bombs[2]![1]);
    const reply = await pool.read(store.localPath(chunkKey(digest)), digest);
    assert.ok(reply !== UNAVAILABLE, "the worker answers");
    assert.equal(reply.kind, "not-zstd");
  });

  readTests(make);
});
