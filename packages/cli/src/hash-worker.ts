/**
 * Worker side of `ParallelHasher` (parallel-hash.ts): claims the ring, hashes its slots in order
 * until the producer marks the end, then posts the digests. Deliberately tiny (only node:crypto
 * and node:worker_threads) so that it starts fast.
 */
import { createHash, type Hash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

interface Init {
  ring: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  slots: number;
  slotSize: number;
  algos: string[];
}

// ctrl layout (Int32): [0] owner (0 nobody yet, 1 producer thread, 2 this worker),
// [1 + i] state of slot i: 0 free, > 0 filled with that many bytes, -1 end of input.
const OWNER = 0;
const { ring, ctrl, slots, slotSize, algos } = workerData as Init;
const c = new Int32Array(ctrl);
if (Atomics.compareExchange(c, OWNER, 0, 2) === 0) {
  Atomics.notify(c, OWNER);
  const hashes: Hash[] = algos.map((a) => createHash(a));
  const bytes = new Uint8Array(ring);
  for (let i = 0; ; i = (i + 1) % slots) {
    const at = 1 + i;
    let n = Atomics.load(c, at);
    while (n === 0) {
      Atomics.wait(c, at, 0);
      n = Atomics.load(c, at);
    }
    if (n < 0) break;
    const view = bytes.subarray(i * slotSize, i * slotSize + n);
    for (const h of hashes) h.update(view);
    Atomics.store(c, at, 0);
    Atomics.notify(c, at);
  }
  parentPort!.postMessage(hashes.map((h) => h.digest()));
} else {
  parentPort!.postMessage(null);
}
