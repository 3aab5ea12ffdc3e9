/**
 * Blobs whose size the writer is told (`sizeHint`, as file and tar imports give it): small ones
 * are stored without starting `objectstore+file`'s worker threads, until enough of them add
 * up to a large one. Its own file: the pools are per process, and this needs them unstarted.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { chunkStorePool } from "../src/blob/chunk-store-pool.ts";
import { WORKERS_FROM } from "../src/blob/worker-env.ts";
import { blake3, blobServiceFromUrl, digestToHex, readAll } from "../src/index.ts";

const dir = await mkdtemp(join(tmpdir(), "castore-worker-sized-"));
after(() => rm(dir, { recursive: true, force: true }));

it("small sized blobs are stored by their writers until they add up to a large one", async () => {
  const svc = blobServiceFromUrl(`objectstore+file://${dir}?avg_chunk_size=65536`);
  const pool = chunkStorePool()!;
  const size = 3 * 1024 * 1024 + 17; // ~50 chunks of this store's sizes
  const blobs: Uint8Array[] = [];
  let total = 0;
  while (total + size < WORKERS_FROM) {
    const data = new Uint8Array(randomBytes(size));
    const w = svc.openWrite({ sizeHint: size });
    await w.write(data.slice(), { transfer: true });
    const digest = await w.close();
    assert.equal(digestToHex(digest), digestToHex(blake3(data)));
    assert.ok((await svc.stat(digest, { withChunks: true }))!.chunks!.length > 10);
    blobs.push(data);
    total += size;
    assert.equal(pool.started, false, `no workers after ${total} bytes of small blobs`);
  }
  const last = new Uint8Array(randomBytes(size));
  const w = svc.openWrite({ sizeHint: size });
  await w.write(last);
  await w.close();
  assert.equal(pool.started, true, "enough small blobs start the workers");
  // An unsized blob uses them as before.
  const big = new Uint8Array(randomBytes(size));
  const u = svc.openWrite();
  await u.write(big);
  const digest = await u.close();
  for (const data of [...blobs, last, big]) {
    assert.deepEqual(await readAll((await svc.openRead(blake3(data)))!), data);
  }
  assert.equal(digestToHex(digest), digestToHex(blake3(big)));
});
