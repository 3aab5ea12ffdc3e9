/**
 * The one BlobService conformance suite every backend must pass. Call it with a factory that
 * makes a fresh, empty service (and optionally reopens the same storage, for persistence).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as fx from "../../src/fixtures.ts";
import {
  type B3Digest,
  type BlobService,
  BlobServiceError,
  blake3,
  digestToHex,
  putBlob,
  readAll,
} from "../../src/index.ts";

export interface BlobBackend {
  service: BlobService;
  /** Opens the same storage again (persistent backends only). */
  reopen?: () => Promise<BlobService>;
  cleanup: () => Promise<void>;
}

async function put(svc: BlobService, data: Uint8Array, pieceSize = 8192): Promise<B3Digest> {
  const w = svc.openWrite();
  for (let o = 0; o < data.length; o += pieceSize) await w.write(data.subarray(o, o + pieceSize));
  return w.close();
}

async function read(svc: BlobService, d: B3Digest): Promise<Uint8Array | undefined> {
  const r = await svc.openRead(d);
  if (!r) return undefined;
  try {
    return await readAll(r);
  } finally {
    await r.close();
  }
}

function isKind(kind: string) {
  return (e: unknown) => e instanceof BlobServiceError && e.kind === kind;
}

/** Pseudo-random bytes (xorshift32), so large blobs get content-defined cut points. */
export function noise(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function blobServiceConformance(name: string, make: () => Promise<BlobBackend>): void {
  describe(`BlobService conformance: ${name}`, () => {
    const withBackend = (fn: (b: BlobBackend) => Promise<void>) => async () => {
      const b = await make();
      try {
        await fn(b);
      } finally {
        await b.service.close();
        await b.cleanup();
      }
    };

    it(
      "absent blobs are absent, not errors",
      withBackend(async ({ service }) => {
        assert.equal(await service.has(fx.HELLOWORLD_BLOB_DIGEST), false);
        assert.equal(await service.stat(fx.HELLOWORLD_BLOB_DIGEST), undefined);
        assert.equal(await service.openRead(fx.HELLOWORLD_BLOB_DIGEST), undefined);
      }),
    );

    it(
      "round trips the fixture blobs with their spec digests",
      withBackend(async ({ service }) => {
        for (const [data, digest] of [
          [fx.EMPTY_BLOB_CONTENTS, fx.EMPTY_BLOB_DIGEST],
          [fx.HELLOWORLD_BLOB_CONTENTS, fx.HELLOWORLD_BLOB_DIGEST],
          [fx.BLOB_A, fx.BLOB_A_DIGEST],
          [fx.BLOB_B, fx.BLOB_B_DIGEST],
        ] as const) {
          assert.equal(digestToHex(await put(service, data)), digestToHex(digest));
          assert.equal(await service.has(digest), true);
          assert.ok(await service.stat(digest));
          assert.deepEqual(await read(service, digest), data);
        }
      }),
    );

    it(
      "putBlob (a blob given whole) stores what a writer stores",
      withBackend(async ({ service }) => {
        for (const data of [
          fx.EMPTY_BLOB_CONTENTS,
          fx.HELLOWORLD_BLOB_CONTENTS,
          noise(7, 5000),
          noise(8, 300_000),
        ]) {
          for (const transfer of [false, true]) {
            const given = data.slice();
            const digest = await putBlob(service, given, { transfer });
            assert.equal(digestToHex(digest), digestToHex(blake3(data)));
            assert.equal(await service.has(digest), true);
            assert.deepEqual(await read(service, digest), data);
            if (!transfer) assert.deepEqual(given, data, "the caller's bytes are untouched");
          }
        }
      }),
    );

    it(
      "stat lists chunks only when asked, and every chunk is readable by its digest",
      withBackend(async ({ service }) => {
        const data = noise(1, 700_000);
        const digest = await put(service, data, 65536);
        assert.equal((await service.stat(digest))?.chunks, undefined);
        const chunks = (await service.stat(digest, { withChunks: true }))?.chunks;
        assert.ok(chunks, "withChunks gives a list");
        if (chunks.length > 0) {
          assert.equal(
            chunks.reduce((n, c) => n + c.size, 0),
            data.length,
          );
          let off = 0;
          for (const c of chunks) {
            assert.equal(await service.has(c.digest), true);
            const bytes = await read(service, c.digest);
            assert.deepEqual(bytes, data.subarray(off, off + c.size));
            assert.deepEqual(blake3(bytes!), c.digest);
            off += c.size;
          }
        }
      }),
    );

    it(
      "readers seek from start, current position and end",
      withBackend(async ({ service }) => {
        const data = noise(2, 600_000);
        const digest = await put(service, data, 100_000);
        const r = (await service.openRead(digest))!;
        assert.equal(r.size, data.length);
        for (const [off, from, expectPos] of [
          [123_456, "start", 123_456],
          [1000, "current", 124_456],
          [-1, "end", data.length - 1],
          [0, "start", 0],
          [-10, "current", undefined],
        ] as const) {
          if (expectPos === undefined) {
            assert.throws(() => r.seek(off, from), isKind("invalid-request"));
            continue;
          }
          assert.equal(r.seek(off, from), expectPos);
          const got = await r.read(5000);
          assert.deepEqual(got, data.subarray(expectPos, expectPos + got.length));
          assert.ok(got.length > 0);
          r.seek(expectPos);
        }
        assert.throws(() => r.seek(data.length + 1), isKind("invalid-request"));
        r.seek(0, "end");
        assert.equal((await r.read()).length, 0);
        // Reads across chunk boundaries: walk the whole blob in odd-sized steps.
        r.seek(0);
        const parts: Uint8Array[] = [];
        for (;;) {
          const p = await r.read(77_777);
          if (p.length === 0) break;
          parts.push(p);
        }
        assert.deepEqual(new Uint8Array(Buffer.concat(parts)), data);
        await r.close();
      }),
    );

    it(
      "close is idempotent; writes after close are refused",
      withBackend(async ({ service }) => {
        const w = service.openWrite();
        await w.write(fx.HELLOWORLD_BLOB_CONTENTS);
        const d1 = await w.close();
        const d2 = await w.close();
        assert.deepEqual(d1, d2);
        await assert.rejects(w.write(fx.BLOB_A), isKind("invalid-request"));
      }),
    );

    it(
      "a digest mismatch is an integrity error and leaves nothing visible",
      withBackend(async ({ service }) => {
        for (const data of [fx.HELLOWORLD_BLOB_CONTENTS, noise(3, 1_200_000)]) {
          const w = service.openWrite({ expectedDigest: fx.DUMMY_DIGEST });
          for (let o = 0; o < data.length; o += 100_000)
            await w.write(data.subarray(o, o + 100_000));
          await assert.rejects(w.close(), isKind("integrity"));
          await assert.rejects(w.close(), isKind("integrity"));
          assert.equal(await service.has(blake3(data)), false);
          assert.equal(await service.has(fx.DUMMY_DIGEST), false);
          assert.equal(await service.openRead(blake3(data)), undefined);
        }
        // The right expectation passes.
        const w = service.openWrite({ expectedDigest: fx.BLOB_A_DIGEST });
        await w.write(fx.BLOB_A);
        assert.deepEqual(await w.close(), fx.BLOB_A_DIGEST);
      }),
    );

    it(
      "an aborted (truncated) write leaves nothing visible",
      withBackend(async ({ service }) => {
        const data = noise(4, 1_500_000);
        const w = service.openWrite();
        await w.write(data.subarray(0, 1_000_000));
        await w.abort();
        await assert.rejects(w.write(data), isKind("invalid-request"));
        assert.equal(await service.has(blake3(data)), false);
        assert.equal(await service.has(blake3(data.subarray(0, 1_000_000))), false);
      }),
    );

    it(
      "writers do not share state; writing the same blob twice deduplicates",
      withBackend(async ({ service }) => {
        const a = noise(5, 300_000);
        const b = noise(6, 300_000);
        const wa = service.openWrite();
        const wb = service.openWrite();
        for (let o = 0; o < a.length; o += 50_000) {
          await Promise.all([
            wa.write(a.subarray(o, o + 50_000)),
            wb.write(b.subarray(o, o + 50_000)),
          ]);
        }
        const [da, db] = await Promise.all([wa.close(), wb.close()]);
        assert.deepEqual(da, blake3(a));
        assert.deepEqual(db, blake3(b));
        assert.deepEqual(await put(service, a), da);
        assert.deepEqual(await read(service, da), a);
        assert.deepEqual(await read(service, db), b);
      }),
    );

    it(
      "the writer does not keep a reference to the caller's buffers",
      withBackend(async ({ service }) => {
        const buf = new Uint8Array(4096).fill(7);
        const expect = buf.slice();
        const w = service.openWrite();
        await w.write(buf);
        buf.fill(9);
        const d = await w.close();
        assert.deepEqual(await read(service, d), expect);
      }),
    );

    it(
      "persists across reopen (persistent backends)",
      withBackend(async (b) => {
        if (!b.reopen) return;
        const d = await put(b.service, fx.BLOB_B);
        await b.service.close();
        const again = await b.reopen();
        b.service = again;
        assert.deepEqual(await read(again, d), fx.BLOB_B);
      }),
    );
  });
}
