/**
 * The whole-blob hash on the hash worker (hash-pool.ts): blobs whose first piece is handed over
 * to a writer that copies what it keeps are hashed there, with the same digest as on the calling
 * thread whatever pieces follow; the pieces come back for reuse; a wrong expected digest, an
 * abort and a failing worker request behave as they do without the worker.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BlobDigester, movable, pieceBuffer } from "../src/blob/hash-pool.ts";
import { handle } from "../src/blob/hash-worker.ts";
import { SpareBuffers } from "../src/blob/spare-buffers.ts";
import {
  BlobServiceError,
  blake3,
  blobServiceFromUrl,
  digestToHex,
  readAll,
} from "../src/index.ts";

const MiB = 1024 * 1024;

/** `data` as handed-over pieces: `sizes` bytes each, in buffers from `pieceBuffer`. */
function pieces(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const size of sizes) {
    const buf = pieceBuffer(size);
    buf.set(data.subarray(at, at + size));
    out.push(buf);
    at += size;
  }
  assert.equal(at, data.length);
  return out;
}

describe("SpareBuffers", () => {
  it("hands out a kept buffer that fits, once, and keeps at most its limit", () => {
    const spares = new SpareBuffers(2);
    const [a, b, c] = [new ArrayBuffer(10), new ArrayBuffer(20), new ArrayBuffer(30)];
    spares.give(a);
    spares.give(b);
    spares.give(c); // over the limit: dropped
    spares.give(new ArrayBuffer(0)); // nothing to reuse
    assert.equal(
      spares.take((n) => n === 30),
      undefined,
    );
    assert.equal(
      spares.take((n) => n >= 15),
      b,
    );
    assert.equal(
      spares.take((n) => n >= 15),
      undefined,
    );
    assert.equal(
      spares.take(() => true),
      a,
    );
    assert.equal(
      spares.take(() => true),
      undefined,
    );
  });
});

describe("BlobDigester", () => {
  it("hashes on the worker only when the first piece is lendable and large", async () => {
    const big = new Uint8Array(randomBytes(2 * MiB));
    const lent = new BlobDigester();
    assert.equal(lent.start(big, true), true);
    await lent.send(new Uint8Array(big), true);
    assert.equal(digestToHex(await lent.digest()), digestToHex(blake3(big)));

    const small = new BlobDigester();
    assert.equal(small.start(big.subarray(0, 1000), true), false);
    const notLent = new BlobDigester();
    assert.equal(notLent.start(big, false), false);
    notLent.update(big);
    assert.equal(digestToHex(await notLent.digest()), digestToHex(blake3(big)));
  });

  it("gives lent buffers back to pieceBuffer", async () => {
    const d = new BlobDigester();
    const buf = pieceBuffer(3 * MiB);
    assert.ok(movable(buf));
    buf.fill(7);
    assert.equal(d.start(buf, true), true);
    const underlying = buf.buffer;
    await d.send(buf, true);
    // Moved to the worker (and moved back into the spares, a new ArrayBuffer object here).
    assert.equal(underlying.byteLength, 0);
    await d.digest();
    const again = pieceBuffer(3 * MiB);
    assert.ok(movable(again));
    assert.equal(again[0], 7, "a given-back buffer, with the bytes it had");
  });

  it("answers a failed request with the error and gives the buffer back", () => {
    const buffer = new ArrayBuffer(16);
    const reply = handle({ op: "update", seq: 3, id: 999, buffer, offset: 8, length: 100 });
    assert.equal(reply?.seq, 3);
    assert.match(reply?.error ?? "", /./);
    assert.equal(reply?.buffer, buffer);
  });
});

describe("blob writers with the hash worker", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function services() {
    const dir = await mkdtemp(join(tmpdir(), "castore-hash-pool-"));
    dirs.push(dir);
    return [
      blobServiceFromUrl(`objectstore+file://${dir}`),
      blobServiceFromUrl("memory://"),
    ] as const;
  }

  it("store the same blob under the same digest, whatever the pieces", async () => {
    const data = new Uint8Array(randomBytes(9 * MiB + 12_345));
    const want = digestToHex(blake3(data));
    for (const svc of await services()) {
      for (const sizes of [
        [4 * MiB, 4 * MiB, MiB + 12_345],
        [2 * MiB, 7 * MiB + 12_345],
        [MiB, 100, 8 * MiB + 12_245],
      ]) {
        const w = svc.openWrite();
        const ps = pieces(data, sizes);
        // The last piece is a view of a larger buffer: sent as a copy.
        const last = ps.pop()!;
        const wide = pieceBuffer(last.length + 10);
        wide.set(last);
        for (const p of ps) await w.write(p, { transfer: true });
        await w.write(wide.subarray(0, last.length), { transfer: true });
        const digest = await w.close();
        assert.equal(digestToHex(digest), want, String(sizes));
        assert.deepEqual(await readAll((await svc.openRead(digest))!), data);
      }
    }
  });

  it("pieces not handed over are hashed here and may be reused at once", async () => {
    const [svc] = await services();
    const data = new Uint8Array(randomBytes(6 * MiB));
    const w = svc.openWrite();
    const buf = new Uint8Array(2 * MiB);
    for (let at = 0; at < data.length; at += buf.length) {
      buf.set(data.subarray(at, at + buf.length));
      await w.write(buf);
    }
    const digest = await w.close();
    assert.equal(digestToHex(digest), digestToHex(blake3(data)));
  });

  it("a wrong expected digest fails with integrity, and nothing is visible", async () => {
    const [svc] = await services();
    const data = new Uint8Array(randomBytes(5 * MiB));
    const w = svc.openWrite({ expectedDigest: blake3(new Uint8Array(1)) });
    for (const p of pieces(data, [4 * MiB, MiB])) await w.write(p, { transfer: true });
    await assert.rejects(w.close(), (e) => e instanceof BlobServiceError && e.kind === "integrity");
    assert.equal(await svc.has(blake3(data)), false);
  });

  it("an aborted write leaves nothing visible", async () => {
    const [svc] = await services();
    const data = new Uint8Array(randomBytes(5 * MiB));
    const w = svc.openWrite();
    for (const p of pieces(data, [4 * MiB, MiB])) await w.write(p, { transfer: true });
    await w.abort();
    assert.equal(await svc.has(blake3(data)), false);
    await assert.rejects(w.close());
  });
});
