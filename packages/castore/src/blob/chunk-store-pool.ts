/**
 * Chunk writes off the main thread for `objectstore+file://` (the write side of chunk-pool.ts):
 * workers (chunk-store-worker.ts) hash, encode and write chunks, so the main thread of an import
 * only reads, hashes the whole blob and finds chunk boundaries. A chunk's memory moves to the
 * worker (transferred, not copied); chunk buffers come back with the answer and are reused
 * (`chunkBuffer`), so a large import does not keep faulting in fresh memory. When no worker can
 * be started (or, for a small chunk, none has started yet), `put` returns undefined and the
 * caller stores the chunk itself; a worker that dies fails the chunks it held.
 */
import { Worker } from "node:worker_threads";
import {
  BIG,
  HAS_DIGEST,
  RECYCLE,
  type StoreBatch,
  type StoreBatchReply,
} from "./chunk-store-batch.ts";
import { SpareBuffers } from "./spare-buffers.ts";
import { READY, WORKERS_FROM, workerEnv } from "./worker-env.ts";

/** A chunk to store. */
interface StoreRequest {
  readonly root: string;
  readonly data: Uint8Array;
  /** The chunk's digest when the sender knows it already (a blob that is one chunk). */
  readonly digest?: Uint8Array;
  /** `data` is a `chunkBuffer`: all of its memory moves, and comes back for reuse. */
  readonly recycle?: boolean;
}

/** How storing one chunk went. */
export type StoreReply =
  | { readonly kind: "ok"; readonly digest: Uint8Array }
  | { readonly kind: "io"; readonly message: string };

interface Pending {
  resolve(reply: StoreReply): void;
  reject(e: Error): void;
}

/** Chunks smaller than this travel packed together with the other small ones of a batch. */
const PACKED = 64 * 1024;

/** Whether a request's chunk travels in the batch's shared buffer (small, not recycled). */
const packs = (req: StoreRequest) => req.recycle !== true && req.data.length < PACKED;

class ChunkStoreWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  broken = false;
  /** The worker has loaded its modules (it says so first): chunks sent now are not kept waiting. */
  ready = false;

  constructor() {
    const w = new Worker(new URL("./chunk-store-worker.ts", import.meta.url), { env: workerEnv() });
    w.on("message", (reply: StoreBatchReply | typeof READY) => {
      if (reply === READY) {
        this.ready = true;
        return;
      }
      for (const b of reply.spares) chunkSpares.give(b);
      if (reply.packed) packedSpares.give(reply.packed);
      const failed = new Map(reply.failed);
      const { ids, digests } = reply;
      for (let i = 0; i < ids.length; i++) {
        const p = this.#pending.get(ids[i]!);
        if (!p) continue;
        this.#pending.delete(ids[i]!);
        const message = failed.get(i);
        p.resolve(
          message === undefined
            ? { kind: "ok", digest: digests.subarray(32 * i, 32 * i + 32) }
            : { kind: "io", message },
        );
      }
      if (this.#pending.size === 0) w.unref();
    });
    const fail = (e?: unknown) => {
      this.broken = true;
      const all = [...this.#pending.values()];
      this.#pending.clear();
      const err = new Error(
        `chunk store worker stopped${e instanceof Error ? `: ${e.message}` : ""}`,
      );
      for (const p of all) p.reject(err);
    };
    w.on("error", fail);
    w.on("exit", fail);
    w.unref();
    this.#worker = w;
  }

  /** Chunks waiting for an answer. */
  get load(): number {
    return this.#pending.size;
  }

  /**
   * Requests not posted yet: everything asked for in one turn of the event loop goes as one
   * message (a message costs more than storing a small file's chunk).
   */
  #batch: { readonly id: number; readonly req: StoreRequest }[] = [];

  put(req: StoreRequest): Promise<StoreReply> {
    return new Promise((resolve, reject) => {
      if (this.broken) return reject(new Error("chunk store worker stopped"));
      if (this.#batch.length > 0 && this.#batch[0]!.req.root !== req.root) this.#flush();
      // Referenced while a chunk is pending, so the process waits for the answer.
      if (this.#pending.size === 0) this.#worker.ref();
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      if (this.#batch.length === 0) setImmediate(() => this.#flush());
      this.#batch.push({ id, req });
    });
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0 || this.broken) return;
    try {
      this.#worker.postMessage(...batchMessage(batch));
    } catch (e) {
      // Not sendable (say, one buffer handed over twice): those chunks fail, nothing else.
      for (const { id } of batch) {
        const p = this.#pending.get(id);
        this.#pending.delete(id);
        p?.reject(e as Error);
      }
      if (this.#pending.size === 0) this.#worker.unref();
    }
  }
}

/** A batch as one message of a few typed arrays, and the buffers it moves. */
function batchMessage(
  batch: readonly { readonly id: number; readonly req: StoreRequest }[],
): [StoreBatch, ArrayBuffer[]] {
  const n = batch.length;
  let packedBytes = 0;
  for (const { req } of batch) if (packs(req)) packedBytes += req.data.length;
  const ids = new Int32Array(n);
  const flags = new Uint8Array(n);
  const ends = new Uint32Array(n);
  const digests = new Uint8Array(32 * n);
  // Small chunks share one buffer (moving a buffer costs more than copying a small one).
  const packed = new Uint8Array(
    packedBytes > 0 ? packedBuffer(packedBytes) : new ArrayBuffer(0),
    0,
    packedBytes,
  );
  const big: Uint8Array[] = [];
  const transfer: ArrayBuffer[] = [packed.buffer as ArrayBuffer];
  let o = 0;
  for (let i = 0; i < n; i++) {
    const { id, req } = batch[i]!;
    ids[i] = id;
    let f = 0;
    if (req.digest) {
      digests.set(req.digest, 32 * i);
      f |= HAS_DIGEST;
    }
    if (packs(req)) {
      packed.set(req.data, o);
      o += req.data.length;
      ends[i] = o;
    } else {
      f |= BIG;
      if (req.recycle) f |= RECYCLE;
      big.push(req.data);
      transfer.push(owned(req.data, req.recycle === true));
    }
    flags[i] = f;
  }
  return [{ root: batch[0]!.req.root, ids, flags, packed, ends, digests, big }, transfer];
}

/**
 * The memory to move for `data`: its buffer when that is all `data`'s (or a `chunkBuffer`,
 * with `recycle`).
 */
function owned(data: Uint8Array, recycle: boolean): ArrayBuffer {
  if (
    recycle ||
    (data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      data.buffer instanceof ArrayBuffer)
  ) {
    return data.buffer as ArrayBuffer;
  }
  throw new Error("chunk data must be all of its buffer");
}

/**
 * Batches' `packed` buffers given back by the workers: an import of small files sends a few
 * hundred KiB of them per batch.
 */
const packedSpares = new SpareBuffers(8);

/** Memory for at least `bytes` of packed chunks: a given-back buffer if one is large enough. */
function packedBuffer(bytes: number): ArrayBuffer {
  return (
    packedSpares.take((n) => n >= bytes) ??
    // Rounded up to a power of two (at least 64 KiB), so that later batches fit in it.
    Buffer.allocUnsafeSlow(Math.max(65536, 2 ** Math.ceil(Math.log2(bytes)))).buffer
  );
}

/** Chunk buffers given back by the workers, for `chunkBuffer` to hand out again. */
const chunkSpares = new SpareBuffers(64);

/**
 * A buffer for a chunk of `len` bytes, in memory of `capacity` bytes that `put` with `recycle`
 * may move to a worker and get back: reused memory when there is some, else fresh.
 */
export function chunkBuffer(len: number, capacity: number): Uint8Array {
  const b = chunkSpares.take((n) => n === capacity) ?? Buffer.allocUnsafeSlow(capacity).buffer;
  return new Uint8Array(b, 0, len);
}

/**
 * Workers (TVIX_CHUNK_WRITERS to change): chunks go to the least busy, so a large file's chunks
 * are written on two threads next to the main thread, and so are many small files (writing
 * files — mostly kernel time — is most of the cost).
 */
const WORKERS = Math.max(1, Number(process.env.TVIX_CHUNK_WRITERS ?? "2") || 2);

/**
 * Small chunks that callers store themselves before the workers are started: an import of a
 * few small files is over before a worker would be ready, and starting two anyway took
 * `tvix store import` of 30 small files from 0.12 to 0.18 s.
 */
export const SMALL_BEFORE_WORKERS = 256;

class ChunkStorePool {
  readonly #workers: (ChunkStoreWorker | undefined)[] = [];
  #failedToStart = false;
  #smallWithoutWorkers = 0;
  #bytesWithoutWorkers = 0;

  /**
   * A blob too small to start the workers for (worker-env.ts) is stored by its writer: once
   * such blobs add up to as much as a large one, the workers start, for the blobs after them.
   */
  storedWithoutWorkers(bytes: number): void {
    if (this.started) return;
    this.#bytesWithoutWorkers += bytes;
    if (this.#bytesWithoutWorkers >= WORKERS_FROM) this.warm();
  }

  /** Whether any worker has been started (it may not be ready yet). */
  get started(): boolean {
    return this.#workers.length > 0;
  }

  /** Whether a worker is running and takes chunks right away. */
  get ready(): boolean {
    return this.#workers.some((w) => w?.ready === true && !w.broken);
  }

  /**
   * Starts the first worker if none runs yet, so that it is ready (about 0.1 s) when a writer
   * that just opened has its first chunk.
   */
  warm(): void {
    if (this.#failedToStart || (this.#workers[0] && !this.#workers[0].broken)) return;
    try {
      this.#workers[0] = new ChunkStoreWorker();
    } catch {
      this.#failedToStart = true;
    }
  }

  /**
   * The least busy worker (starting workers up to the limit); undefined without workers. With
   * `readyOnly`, the least busy of those that have started (undefined while none has).
   */
  #pick(readyOnly: boolean): ChunkStoreWorker | undefined {
    if (this.#failedToStart) return undefined;
    let best: ChunkStoreWorker | undefined;
    for (let i = 0; i < WORKERS; i++) {
      let w = this.#workers[i];
      if (!w || w.broken) {
        try {
          w = new ChunkStoreWorker();
        } catch {
          this.#failedToStart = true;
          return undefined;
        }
        this.#workers[i] = w;
      }
      if (readyOnly && !w.ready) continue;
      if (!best || w.load < best.load) best = w;
      if (w.load === 0) break;
    }
    return best;
  }

  /**
   * Stores `data` as a chunk under `root`, resolving to the worker's answer; undefined without
   * workers (`data` untouched). `data`'s memory moves to the worker: with `recycle`, all of its
   * buffer (from `chunkBuffer`), which comes back for reuse; otherwise `data` must be all of
   * its buffer, or it is copied first. A small chunk is copied when the batch is sent (until
   * the next turn of the event loop, the caller must leave its bytes alone).
   */
  put(
    root: string,
    data: Uint8Array,
    options: { readonly digest?: Uint8Array; readonly recycle?: boolean } = {},
  ): Promise<StoreReply> | undefined {
    const recycle = options.recycle === true;
    // A worker takes ~0.1 s to start: small chunks go to one that has started, and until one
    // has, the caller stores them itself rather than wait (SMALL_BEFORE_WORKERS).
    const small = !recycle && data.length < PACKED;
    if (small && !this.started && ++this.#smallWithoutWorkers < SMALL_BEFORE_WORKERS)
      return undefined;
    const w = this.#pick(small);
    if (!w) return undefined;
    // Small chunks are copied into the batch's shared buffer when it is sent; a large one moves
    // as it is when it is all of its buffer, else as a copy (Buffer.slice would be a view).
    const own =
      recycle ||
      data.length < PACKED ||
      (data.byteOffset === 0 &&
        data.byteLength === data.buffer.byteLength &&
        data.buffer instanceof ArrayBuffer)
        ? data
        : new Uint8Array(data);
    const digest = options.digest;
    return w.put(
      digest
        ? { root, data: own, digest, recycle }
        : recycle
          ? { root, data: own, recycle }
          : { root, data: own },
    );
  }
}

let shared: ChunkStorePool | undefined;

/** The process-wide pool (disabled with TVIX_CHUNK_WORKER=0, as the read worker). */
export function chunkStorePool(): ChunkStorePool | undefined {
  if (process.env.TVIX_CHUNK_WORKER === "0") return undefined;
  shared ??= new ChunkStorePool();
  return shared;
}
