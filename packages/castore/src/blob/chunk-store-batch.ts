/**
 * The batches `ChunkStorePool` (chunk-store-pool.ts) sends its workers (chunk-store-worker.ts),
 * and how a worker stores one: takes chunks' bytes (transferred, not copied), hashes them, and
 * stores them into an `objectstore+file` root unless they are already there: encoded
 * (zstd-chunk.ts) and written with blocking calls, which on a worker cost no thread-pool round
 * trips. Answers with the chunks' digests once they are in place, and gives recyclable buffers
 * back with the answer. No side effects: the pool imports this on the main thread.
 *
 * A batch is a few typed arrays rather than an object per chunk: cloning a message costs per
 * object in it, and an import of small files sends one chunk per file.
 */
import { blake3Bytes } from "../model/blake3.ts";
import { FileObjectWriter } from "../objectstore/file.ts";
import { encodeChunkFileSync } from "../objectstore/zstd-chunk.ts";

/** `StoreBatch.flags` bits. */
export const HAS_DIGEST = 1;
/** The chunk is `big[i]` (its own, transferred buffer) rather than a piece of `packed`. */
export const BIG = 2;
/** Give all of the big chunk's memory back with the reply, for the sender to reuse. */
export const RECYCLE = 4;

/** Chunks to store under one root: chunk `i` is `flags[i]`, `ids[i]`, … */
export interface StoreBatch {
  /** The store's root directory (made ready by `localWriteRoot()`). */
  readonly root: string;
  readonly ids: Int32Array;
  readonly flags: Uint8Array;
  /** Small chunks, one after the other; `ends[i]` is where chunk i ends in it (not BIG). */
  readonly packed: Uint8Array;
  readonly ends: Uint32Array;
  /** 32 bytes per chunk: the chunk's digest when the sender knows it (HAS_DIGEST). */
  readonly digests: Uint8Array;
  /** The BIG chunks, in order. */
  readonly big: Uint8Array[];
}

/** The answer to a batch: every chunk's digest, or why it failed. */
export interface StoreBatchReply {
  readonly ids: Int32Array;
  /** 32 bytes per chunk (zeros for a failed one). */
  readonly digests: Uint8Array;
  /** Failed chunks: index into `ids`, and the error message. */
  readonly failed: readonly (readonly [number, string])[];
  /** Buffers of RECYCLE chunks given back. */
  readonly spares: ArrayBuffer[];
  /** The batch's `packed` buffer, given back to carry a later batch. */
  readonly packed?: ArrayBuffer;
}

const writers = new Map<string, FileObjectWriter>();

function writerFor(root: string): FileObjectWriter {
  let writer = writers.get(root);
  if (!writer) {
    writer = new FileObjectWriter(root);
    writers.set(root, writer);
  }
  return writer;
}

/** Stores one batch; each chunk's failure is its own. */
export function storeBatch(batch: StoreBatch): StoreBatchReply {
  const n = batch.ids.length;
  const writer = writerFor(batch.root);
  const digests = new Uint8Array(32 * n);
  const failed: [number, string][] = [];
  const spares: ArrayBuffer[] = [];
  let start = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const flags = batch.flags[i]!;
    let data: Uint8Array;
    if (flags & BIG) {
      data = batch.big[b++]!;
      if (flags & RECYCLE) spares.push(data.buffer as ArrayBuffer);
    } else {
      const end = batch.ends[i]!;
      data = batch.packed.subarray(start, end);
      start = end;
    }
    try {
      const digest =
        flags & HAS_DIGEST ? batch.digests.subarray(32 * i, 32 * i + 32) : blake3Bytes(data);
      const hex = Buffer.from(digest.buffer, digest.byteOffset, 32).toString("hex");
      if (writer.needsChunk(hex)) writer.putChunk(hex, encodeChunkFileSync(data));
      digests.set(digest, 32 * i);
    } catch (e) {
      failed.push([i, (e as Error).message]);
    }
  }
  const packed = batch.packed.buffer;
  return packed instanceof ArrayBuffer && packed.byteLength > 0
    ? { ids: batch.ids, digests, failed, spares, packed }
    : { ids: batch.ids, digests, failed, spares };
}
