/**
 * When `objectstore+file` starts its worker threads: only once the work pays for their start
 * (~0.1 s each), and until a worker is ready the caller does the work itself. The pools are
 * per process, so this file's tests run in order on one fresh process (node --test gives every
 * file its own).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { zstdCompressSync } from "node:zlib";
import { chunkReadPool, READS_BEFORE_WORKER, UNAVAILABLE } from "../src/blob/chunk-pool.ts";
import { chunkStorePool, SMALL_BEFORE_WORKERS } from "../src/blob/chunk-store-pool.ts";
import { blake3, blobServiceFromUrl, digestToHex, readAll } from "../src/index.ts";

/** Waits (polling) until `cond` holds; fails after 20 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !cond(); ) {
    if (Date.now() - start > 20_000) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("castore worker threads start when the work pays for them", { concurrency: false }, () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function store() {
    const dir = await mkdtemp(join(tmpdir(), "castore-worker-start-"));
    dirs.push(dir);
    return { dir, svc: blobServiceFromUrl(`objectstore+file://${dir}`) };
  }

  it("chunks are read here first, then by the read worker, verified either way", async () => {
    const { dir } = await store();
    const pool = chunkReadPool()!;
    const chunks = Array.from(
      { length: READS_BEFORE_WORKER },
      () => new Uint8Array(randomBytes(3000)),
    );
    const path = (d: Uint8Array) => {
      const hex = digestToHex(d);
      return join(dir, "chunks", "b3", hex.slice(0, 4), hex);
    };
    // Stored as objectstore+file stores chunks (without the chunk-store pool, untouched here).
    const digests = chunks.map((c) => blake3(c));
    for (const [i, d] of digests.entries()) {
      await mkdir(dirname(path(d)), { recursive: true });
      await writeFile(path(d), zstdCompressSync(chunks[i]!));
    }
    for (const d of digests) assert.equal(await pool.read(path(d), d), UNAVAILABLE);
    // The next read starts the worker; until it is ready, reads stay here.
    assert.equal(await pool.read(path(digests[0]!), digests[0]!), UNAVAILABLE);
    await until(() => pool.ready, "the chunk read worker");
    const reply = await pool.read(path(digests[1]!), digests[1]!);
    assert.ok(reply !== UNAVAILABLE && reply.kind === "ok");
    assert.deepEqual(new Uint8Array(reply.data), chunks[1]);
    // Only verified bytes come back from the worker.
    await writeFile(path(digests[2]!), zstdCompressSync(Buffer.from("other bytes")));
    const bad = await pool.read(path(digests[2]!), digests[2]!);
    assert.ok(bad !== UNAVAILABLE && bad.kind === "invalid");
  });

  it("small blobs are stored here until there are many, then by the chunk-store workers", async () => {
    const { dir, svc } = await store();
    const pool = chunkStorePool()!;
    const blobs = Array.from({ length: SMALL_BEFORE_WORKERS - 1 }, () => randomBytes(100));
    for (const b of blobs) await svc.put!(new Uint8Array(b));
    assert.equal(pool.ready, false, "no worker for a few small blobs");
    // The next one starts them (and is stored here, as are all until one is ready).
    blobs.push(randomBytes(100));
    await svc.put!(new Uint8Array(blobs.at(-1)!));
    await until(() => pool.ready, "a chunk-store worker");
    const late = new Uint8Array(randomBytes(100));
    const answer = pool.put(dir, late, { digest: blake3(late) });
    assert.ok(answer, "a ready worker takes small chunks");
    assert.equal((await answer).kind, "ok");
    for (const b of [...blobs, late]) {
      const r = await svc.openRead(blake3(new Uint8Array(b)));
      assert.ok(r);
      assert.deepEqual(await readAll(r), new Uint8Array(b));
    }
  });

  it("importing castore on some other worker thread leaves its parent port alone", async () => {
    // The chunk-store worker's module answers its parent port; only it may install that.
    const index = new URL("../src/index.ts", import.meta.url).href;
    const w = new Worker(
      `const { parentPort } = require("node:worker_threads");
       parentPort.on("message", (m) => parentPort.postMessage("echo " + m));
       import(${JSON.stringify(index)}).then(() => parentPort.postMessage("loaded"));`,
      { eval: true },
    );
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      w.on("error", reject);
      w.on("message", (m: string) => {
        seen.push(m);
        if (m === "loaded") w.postMessage("ping");
        if (m.startsWith("echo")) resolve();
      });
    });
    await w.terminate();
    assert.deepEqual(seen, ["loaded", "echo ping"]);
  });
});
