/**
 * Chunk writes off the main thread for `objectstore+file://` (the write side of chunk-pool.ts):
 * a writer streams its bytes to a worker (chunk-store-worker.ts), transferred rather than
 * copied when it may give them away, and then only tells it where chunks end. The worker
 * hashes, encodes and writes each chunk, so the main thread of an import only reads, hashes
 * the whole blob and finds chunk boundaries. When no worker can be started, `open` returns
 * undefined and the caller stores chunks itself; a worker that dies fails the chunks it held.
 */
import { Worker } from "node:worker_threads";
import type { ChunkReply, StoreReply, StoreRequest } from "./chunk-store-worker.ts";

interface Pending {
  resolve(reply: ChunkReply): void;
  reject(e: Error): void;
}

/** A writer's stream of bytes into one worker. */
export interface ChunkStream {
  /** The next bytes; with `transfer` their memory moves to the worker (no copy). */
  data(bytes: Uint8Array, transfer: boolean): void;
  /** The next `len` bytes sent are a chunk: stores it, resolving to the worker's reply. */
  chunk(len: number, digest?: Uint8Array): Promise<ChunkReply>;
  /** Done: bytes not taken by a chunk are dropped. */
  end(): void;
}

class ChunkStoreWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #streams = 0;
  broken = false;
  /** Streams open on this worker (to spread writers over workers). */
  open = 0;

  constructor() {
    const w = new Worker(new URL("./chunk-store-worker.ts", import.meta.url));
    w.on("message", (reply: StoreReply) => {
      if (reply.kind === "spare") {
        for (const b of reply.buffers) if (spares.length < MAX_SPARES) spares.push(b);
        return;
      }
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) w.unref();
      p.resolve(reply);
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

  /** How busy this worker is: chunks waiting for an answer and streams open. */
  get load(): number {
    return this.#pending.size + this.open;
  }

  /** Posts `req` as a chunk message (given its id), resolving to the answer. */
  #ask(make: (id: number) => StoreRequest, transfer?: ArrayBuffer[]): Promise<ChunkReply> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      if (this.broken) return reject(new Error("chunk store worker stopped"));
      // Referenced while a chunk is pending, so the process waits for the answer.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(make(id), transfer);
    });
  }

  put(root: string, data: Uint8Array, digest?: Uint8Array): Promise<ChunkReply> {
    const own = owned(data, true);
    return this.#ask(
      (id) =>
        digest ? { t: "put", id, root, data: own, digest } : { t: "put", id, root, data: own },
      [own.buffer as ArrayBuffer],
    );
  }

  stream(root: string): ChunkStream {
    const s = this.#streams++;
    const w = this.#worker;
    const post = (req: StoreRequest, transfer?: ArrayBuffer[]) => w.postMessage(req, transfer);
    post({ t: "open", s, root });
    this.open++;
    let ended = false;
    return {
      data: (bytes, transfer) => {
        const own = owned(bytes, transfer);
        post({ t: "data", s, data: own }, [own.buffer as ArrayBuffer]);
      },
      chunk: (len, digest) =>
        this.#ask((id) =>
          digest ? { t: "chunk", s, id, len, digest } : { t: "chunk", s, id, len },
        ),
      end: () => {
        if (ended) return;
        ended = true;
        this.open--;
        if (!this.broken) post({ t: "end", s });
      },
    };
  }
}

/**
 * Buffers the workers gave back, for writers to hand out again (`BlobWriter.spareBuffer`):
 * reading into memory that was used before costs no page faults, and fresh memory costs about
 * as much as the read itself.
 */
const spares: ArrayBuffer[] = [];
const MAX_SPARES = 8;

/** A recycled buffer of exactly `size` bytes, if there is one. */
export function spareBuffer(size: number): Uint8Array | undefined {
  for (let i = spares.length - 1; i >= 0; i--) {
    if (spares[i]!.byteLength === size) {
      const b = spares[i]!;
      spares.splice(i, 1);
      return new Uint8Array(b);
    }
  }
  return undefined;
}

/**
 * `bytes` in memory that can move to a worker: itself when it was handed over and is all of
 * its memory, else a copy (a view into a bigger buffer, or a caller's buffer).
 */
function owned(bytes: Uint8Array, transfer: boolean): Uint8Array {
  return transfer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
    ? bytes
    : copy(bytes);
}

function copy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Buffer.allocUnsafeSlow(bytes.length).buffer, 0, bytes.length);
  out.set(bytes);
  return out;
}

/**
 * Workers (TVIX_CHUNK_WRITERS to change). A writer's chunks all go to one worker, so one large
 * file keeps one busy next to the main thread; many small files spread over both, and their
 * file creations (most of their cost) then run on two cores.
 */
const WORKERS = Math.max(1, Number(process.env.TVIX_CHUNK_WRITERS ?? "2") || 2);

class ChunkStorePool {
  readonly #workers: (ChunkStoreWorker | undefined)[] = [];
  #failedToStart = false;

  /** The least busy worker (starting workers up to the limit); undefined without workers. */
  #pick(): ChunkStoreWorker | undefined {
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
      if (!best || w.load < best.load) best = w;
      if (w.load === 0) break;
    }
    return best;
  }

  /** A stream into the least busy worker; undefined without workers. */
  open(root: string): ChunkStream | undefined {
    return this.#pick()?.stream(root);
  }

  /**
   * Stores one chunk on its own (taking `data`'s memory when it is all of it), resolving to the
   * worker's answer; undefined without workers (`data` untouched).
   */
  put(root: string, data: Uint8Array, digest?: Uint8Array): Promise<ChunkReply> | undefined {
    return this.#pick()?.put(root, data, digest);
  }
}

let shared: ChunkStorePool | undefined;

/** The process-wide pool (disabled with TVIX_CHUNK_WORKER=0, as the read worker). */
export function chunkStorePool(): ChunkStorePool | undefined {
  if (process.env.TVIX_CHUNK_WORKER === "0") return undefined;
  shared ??= new ChunkStorePool();
  return shared;
}
