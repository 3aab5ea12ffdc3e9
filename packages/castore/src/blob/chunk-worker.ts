/**
 * Worker side of `ChunkReadPool` (chunk-pool.ts): reads a stored chunk file, decompresses it
 * and verifies it against its BLAKE3 digest, then hands the bytes back (transferred, no copy).
 * Only verified bytes ever leave this thread.
 *
 * Chunk files are read into buffers the main thread gave back (`recycle`) when there are any:
 * a new buffer per chunk is external memory that makes the main thread's GC run every few
 * tens of milliseconds while streaming.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { blake3, digestEquals } from "../model/digest.ts";
import { zstdDecompressFresh, zstdDecompressObject } from "../objectstore/zstd-read.ts";
import { READY } from "./worker-env.ts";

export interface ChunkRequest {
  readonly id: number;
  readonly path: string;
  readonly digest: Uint8Array;
  /** A buffer the main thread is done with (transferred), to read later chunks into. */
  readonly recycle?: ArrayBuffer;
}

export type ChunkReply =
  | {
      readonly id: number;
      readonly kind: "ok";
      readonly data: Uint8Array;
      /** `data` views one of the read buffers (transferred): it may come back as `recycle`. */
      readonly recyclable: boolean;
    }
  | { readonly id: number; readonly kind: "missing" }
  | { readonly id: number; readonly kind: "not-zstd" | "invalid" | "io"; readonly message: string };

/** Whether `b` is the only view of its memory (its own ArrayBuffer, not a pool slice). */
const sole = (b: Uint8Array) => b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;

/**
 * Read buffers to recycle are all this large: a stored chunk of the default sizes (at most
 * 512 KiB of data, plus zstd's few header bytes) fits. Files from an eighth of that up to it
 * are read into one (a consumer that keeps such bytes keeps at most 8 times their size); other
 * files get a buffer of their own size, as before.
 */
const READ_BUFFER = 512 * 1024 + 4096;
/** Read buffers kept here for reuse. */
const FREE_MAX = 16;
const free: ArrayBuffer[] = [];

function takeBuffer(size: number): ArrayBuffer {
  if (size > READ_BUFFER || size < READ_BUFFER / 8) {
    return Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
  }
  return free.pop() ?? (Buffer.allocUnsafeSlow(READ_BUFFER).buffer as ArrayBuffer);
}

function giveBack(b: ArrayBuffer): void {
  if (b.byteLength === READ_BUFFER && free.length < FREE_MAX) free.push(b);
}

/** The file at `path` (its size when opened), in a read buffer of this thread's own. */
function readChunkFile(path: string): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const buf = new Uint8Array(takeBuffer(size), 0, size);
    let n = 0;
    while (n < size) {
      const r = readSync(fd, buf, n, size - n, n);
      if (r === 0) break; // shorter than it was: the digest check tells
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * The reply's buffer may move to the main thread when nothing else here views it: it is the
 * whole of its memory (a fresh copy), or a view of the read buffer, which was ours alone.
 */
function transferable(data: Uint8Array, read: Uint8Array): ArrayBuffer[] {
  if (sole(data) || data.buffer === read.buffer) return [data.buffer as ArrayBuffer];
  return [];
}

async function handle(req: ChunkRequest): Promise<{ reply: ChunkReply; transfer: ArrayBuffer[] }> {
  const none: ArrayBuffer[] = [];
  if (req.recycle) giveBack(req.recycle);
  let stored: Uint8Array;
  try {
    stored = readChunkFile(req.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      return { reply: { id: req.id, kind: "missing" }, transfer: none };
    }
    return { reply: { id: req.id, kind: "io", message: (e as Error).message }, transfer: none };
  }
  let data: Uint8Array;
  let fresh: boolean;
  try {
    // In place: `stored` is this thread's own buffer, and the retry below only runs after the
    // zlib path, which leaves it untouched.
    ({ data, fresh } = await zstdDecompressObject(stored, { inPlace: true }));
  } catch (e) {
    giveBack(stored.buffer as ArrayBuffer);
    return {
      reply: { id: req.id, kind: "not-zstd", message: (e as Error).message },
      transfer: none,
    };
  }
  if (!digestEquals(blake3(data), req.digest)) {
    const again = fresh ? undefined : await zstdDecompressFresh(stored).catch(() => undefined);
    if (!again || !digestEquals(blake3(again), req.digest)) {
      giveBack(stored.buffer as ArrayBuffer);
      return {
        reply: { id: req.id, kind: "invalid", message: "contents invalid" },
        transfer: none,
      };
    }
    data = again;
  }
  const transfer = transferable(data, stored);
  if (data.buffer !== stored.buffer) giveBack(stored.buffer as ArrayBuffer);
  const recyclable = transfer.length > 0 && data.buffer.byteLength === READ_BUFFER;
  return { reply: { id: req.id, kind: "ok", data, recyclable }, transfer };
}

parentPort?.on("message", (req: ChunkRequest) => {
  void handle(req).then(({ reply, transfer }) => parentPort!.postMessage(reply, transfer));
});
parentPort?.postMessage(READY);
