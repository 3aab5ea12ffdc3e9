/**
 * Chunk reads off the main thread for `objectstore+file://`: a worker reads each chunk file,
 * decompresses and BLAKE3-verifies it (chunk-worker.ts) and transfers the verified bytes back,
 * so the main thread only streams them. One worker: on two cores the other belongs to the main
 * thread (and the kernel sending the bytes). Before the worker runs (READS_BEFORE_WORKER), or
 * when it cannot start or dies, `read` returns `unavailable` and the caller reads on its own
 * thread.
 *
 * A consumer that is completely done with a chunk's bytes (e.g. the socket has written them)
 * may give them back with `releaseBlobBytes`: their buffer then goes back to the worker with
 * the next request and later chunks are read into it, instead of every chunk arriving in new
 * memory that the main thread's GC has to find and free.
 */
import { Worker } from "node:worker_threads";
import type { ChunkReply, ChunkRequest } from "./chunk-worker.ts";
import { READY, workerEnv } from "./worker-env.ts";

export const UNAVAILABLE: unique symbol = Symbol("unavailable");

interface Pending {
  resolve(reply: ChunkReply | typeof UNAVAILABLE): void;
}

/** Buffers the worker may take back, to the ones handed out with `recyclable` set. */
const recyclable = new WeakSet<ArrayBuffer>();
/** Given back and not yet sent to the worker (a few suffice: they go with every request). */
const RETURNED_MAX = 8;
/**
 * Chunks read on the caller's thread before the worker starts (~0.1 s): rendering the NAR of a
 * few small files is over before then, and `tvix store import` of 30 small files took 0.18 s
 * with the workers started against 0.12 s without. Until the worker is ready, chunks are read
 * here too.
 */
export const READS_BEFORE_WORKER = 64;

class ChunkReadPool {
  #worker: Worker | undefined;
  readonly #returned: ArrayBuffer[] = [];
  #broken = false;
  #ready = false;
  #readsWithoutWorker = 0;
  #next = 0;
  readonly #pending = new Map<number, Pending>();

  #start(): Worker | undefined {
    if (this.#broken) return undefined;
    if (this.#worker) return this.#worker;
    try {
      const w = new Worker(new URL("./chunk-worker.ts", import.meta.url), { env: workerEnv() });
      w.on("message", (reply: ChunkReply | typeof READY) => {
        if (reply === READY) {
          this.#ready = true;
          return;
        }
        const p = this.#pending.get(reply.id);
        if (!p) return;
        this.#pending.delete(reply.id);
        if (this.#pending.size === 0) w.unref();
        if (reply.kind === "ok" && reply.recyclable)
          recyclable.add(reply.data.buffer as ArrayBuffer);
        p.resolve(reply);
      });
      const fail = () => {
        this.#broken = true;
        this.#worker = undefined;
        const all = [...this.#pending.values()];
        this.#pending.clear();
        for (const p of all) p.resolve(UNAVAILABLE);
      };
      w.on("error", fail);
      w.on("exit", fail);
      w.unref();
      this.#worker = w;
      return w;
    } catch {
      this.#broken = true;
      return undefined;
    }
  }

  /** Whether the worker runs and takes reads. */
  get ready(): boolean {
    return this.#ready && this.#worker !== undefined;
  }

  read(path: string, digest: Uint8Array): Promise<ChunkReply | typeof UNAVAILABLE> {
    if (!this.#worker && ++this.#readsWithoutWorker <= READS_BEFORE_WORKER) {
      return Promise.resolve(UNAVAILABLE);
    }
    const w = this.#start();
    if (!w || !this.#ready) return Promise.resolve(UNAVAILABLE);
    const id = this.#next++;
    return new Promise((resolve) => {
      // Referenced while a read is pending, so the process waits for the answer.
      if (this.#pending.size === 0) w.ref();
      this.#pending.set(id, { resolve });
      const recycle = this.#returned.pop();
      const req: ChunkRequest = { id, path, digest, recycle };
      w.postMessage(req, recycle ? [recycle] : []);
    });
  }

  /** See `releaseBlobBytes`. */
  giveBack(b: ArrayBuffer): void {
    if (this.#returned.length < RETURNED_MAX) this.#returned.push(b);
  }
}

let shared: ChunkReadPool | undefined;

/** The process-wide pool (disabled with TVIX_CHUNK_WORKER=0). */
export function chunkReadPool(): ChunkReadPool | undefined {
  if (process.env.TVIX_CHUNK_WORKER === "0") return undefined;
  shared ??= new ChunkReadPool();
  return shared;
}

/**
 * Gives back bytes a blob reader returned, for reuse by later reads. Only call it when neither
 * you nor anyone you handed them to will look at them again, through any view: they may become
 * empty (detached) at once. Bytes not from the chunk worker's read buffers are left alone.
 */
export function releaseBlobBytes(bytes: Uint8Array): void {
  const b = bytes.buffer;
  if (!shared || !(b instanceof ArrayBuffer) || !recyclable.has(b)) return;
  recyclable.delete(b);
  shared.giveBack(b);
}
