/**
 * Worker side of `ChunkStorePool` (chunk-store-pool.ts): stores the batches it is sent
 * (chunk-store-batch.ts) and answers each. Only ever a worker's entry module: importing it
 * elsewhere would answer that thread's parent messages.
 */
import { parentPort } from "node:worker_threads";
import { type StoreBatch, storeBatch } from "./chunk-store-batch.ts";
import { READY } from "./worker-env.ts";

// Requests come in batches (all that were made in one turn of the sender's event loop), and
// the answers go back as one batch: a message costs more than storing a small file's chunk.
parentPort?.on("message", (batch: StoreBatch) => {
  const reply = storeBatch(batch);
  try {
    parentPort!.postMessage(reply, [
      reply.digests.buffer as ArrayBuffer,
      ...reply.spares,
      ...(reply.packed ? [reply.packed] : []),
    ]);
  } catch {
    // A buffer that cannot move back (given twice, say): answer without giving any back.
    parentPort!.postMessage({ ...reply, spares: [], packed: undefined });
  }
});
parentPort?.postMessage(READY);
