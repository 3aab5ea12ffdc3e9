/**
 * Worker side of `ChunkStorePool` (chunk-store-pool.ts): takes a chunk's bytes (transferred,
 * not copied), hashes them, and stores them into an `objectstore+file` root unless they are
 * already there: encoded (zstd-chunk.ts) and written with blocking calls, which on this thread
 * cost no thread-pool round trips. Replies with the chunk's digest once the chunk is in place,
 * and gives a recyclable buffer back with the reply.
 */
import { parentPort } from "node:worker_threads";
import { blake3Bytes } from "../model/blake3.ts";
import { FileObjectWriter } from "../objectstore/file.ts";
import { shardedKey } from "../objectstore/types.ts";
import { encodeChunkSync } from "../objectstore/zstd-chunk.ts";

export interface StoreRequest {
  readonly id: number;
  /** The store's root directory (made ready by `localWriteRoot()`). */
  readonly root: string;
  readonly data: Uint8Array;
  /** The chunk's digest when the sender knows it already (a blob that is one chunk). */
  readonly digest?: Uint8Array;
  /** Give all of `data`'s memory back with the reply, for the sender to reuse. */
  readonly recycle?: boolean;
}

export type StoreReply =
  | {
      readonly id: number;
      readonly kind: "ok";
      readonly digest: Uint8Array;
      readonly spare?: ArrayBuffer;
    }
  | { readonly id: number; readonly kind: "io"; readonly message: string };

const writers = new Map<string, FileObjectWriter>();

function store(req: StoreRequest): Uint8Array {
  let writer = writers.get(req.root);
  if (!writer) {
    writer = new FileObjectWriter(req.root);
    writers.set(req.root, writer);
  }
  const digest = req.digest ?? blake3Bytes(req.data);
  const hex = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString("hex");
  const key = shardedKey("chunks", hex);
  if (!writer.has(key)) writer.put(key, encodeChunkSync(req.data));
  return digest;
}

/** One chunk: stores it and says how it went. */
function handle(req: StoreRequest, transfer: ArrayBuffer[]): StoreReply {
  try {
    const digest = store(req);
    if (!req.recycle) return { id: req.id, kind: "ok", digest };
    const spare = req.data.buffer as ArrayBuffer;
    transfer.push(spare);
    return { id: req.id, kind: "ok", digest, spare };
  } catch (e) {
    return { id: req.id, kind: "io", message: (e as Error).message };
  }
}

// Requests come in batches (all that were made in one turn of the sender's event loop), and
// the answers go back as one batch: a message costs more than storing a small file's chunk.
parentPort?.on("message", (batch: StoreRequest[]) => {
  const transfer: ArrayBuffer[] = [];
  const replies = batch.map((req) => handle(req, transfer));
  try {
    parentPort!.postMessage(replies, transfer);
  } catch {
    // A buffer that cannot move back (given twice, say): answer without giving any back.
    parentPort!.postMessage(
      replies.map((r) => (r.kind === "ok" ? { id: r.id, kind: r.kind, digest: r.digest } : r)),
    );
  }
});
