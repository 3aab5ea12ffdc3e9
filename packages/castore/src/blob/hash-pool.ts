/**
 * A blob's whole-stream BLAKE3 on another thread (hash-worker.ts). Importing a large file into
 * `objectstore+file` meant reading, finding chunk boundaries and hashing the whole blob on the
 * main thread while other threads hash and write the chunks: the whole-blob hash (~0.25 s/GiB)
 * was a fifth of that critical path. A piece the caller hands over (`transfer`) to a writer that
 * copies what it keeps is lent to the hash worker once the writer has stored it: moved, not
 * copied, and given back into `pieceBuffer`'s spares for the caller's next read. (Reading into
 * shared memory instead made the chunker's copy of each piece cost about what the hash saved.)
 * `BlobDigester` sends a blob there when its first piece is such a piece of at least 1 MiB and
 * the blob is not known to be small (worker-env.ts); everything else is hashed where it is.
 */
import { Worker } from "node:worker_threads";
import { type B3Digest, createDigester } from "../model/digest.ts";
import type { HashReply, HashRequest } from "./hash-worker.ts";
import { SpareBuffers } from "./spare-buffers.ts";
import { workerEnv, worthWorkers } from "./worker-env.ts";

/** A first piece smaller than this is hashed here: a message round trip costs more. */
const OFFLOAD_MIN = 1024 * 1024;

interface Pending {
  resolve(reply: HashReply): void;
  reject(e: Error): void;
}

class HashWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #nextId = 0;
  broken = false;
  /** The worker has answered once (it is running). */
  ready = false;

  constructor() {
    const w = new Worker(new URL("./hash-worker.ts", import.meta.url), { env: workerEnv() });
    w.on("message", (reply: HashReply) => {
      this.ready = true;
      if (reply.buffer) recycle(reply.buffer);
      const p = this.#pending.get(reply.seq);
      if (!p) return;
      this.#pending.delete(reply.seq);
      if (this.#pending.size === 0) w.unref();
      if (reply.error !== undefined) p.reject(new Error(`hashing failed: ${reply.error}`));
      else p.resolve(reply);
    });
    const fail = (e?: unknown) => {
      this.broken = true;
      const all = [...this.#pending.values()];
      this.#pending.clear();
      const err = new Error(`hash worker stopped${e instanceof Error ? `: ${e.message}` : ""}`);
      for (const p of all) p.reject(err);
    };
    w.on("error", fail);
    w.on("exit", fail);
    w.unref();
    this.#worker = w;
  }

  newId(): number {
    return this.#nextId++;
  }

  /** Sends an update or digest request (moving `transfer`); resolves to the answer. */
  request(
    req: { op: "update"; id: number; buffer: ArrayBuffer; offset: number; length: number },
    transfer: boolean,
  ): Promise<HashReply>;
  request(req: { op: "digest"; id: number }): Promise<HashReply>;
  request(
    req:
      | { op: "update"; id: number; buffer: ArrayBuffer; offset: number; length: number }
      | { op: "digest"; id: number },
    transfer = false,
  ): Promise<HashReply> {
    return new Promise((resolve, reject) => {
      if (this.broken) return reject(new Error("hash worker stopped"));
      const seq = this.#seq++;
      // Referenced while an answer is due, so the process waits for it.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(seq, { resolve, reject });
      try {
        const msg: HashRequest = { ...req, seq };
        this.#worker.postMessage(msg, transfer && req.op === "update" ? [req.buffer] : []);
      } catch (e) {
        this.#pending.delete(seq);
        if (this.#pending.size === 0) this.#worker.unref();
        reject(e as Error);
      }
    });
  }

  drop(id: number): void {
    if (this.broken) return;
    try {
      this.#worker.postMessage({ op: "drop", id } satisfies HashRequest);
    } catch {}
  }
}

let shared: HashWorker | undefined;
let unavailable = process.env.TVIX_HASH_WORKER === "0";

/** The process's hash worker, started on first use; undefined when none can run. */
function hashWorker(): HashWorker | undefined {
  if (unavailable) return undefined;
  if (!shared || shared.broken) {
    try {
      shared = new HashWorker();
    } catch {
      unavailable = true;
      return undefined;
    }
  }
  return shared;
}

/** Pieces given back by the hash worker, to read into again (copies of 1 MiB and more too). */
const pieceSpares = new SpareBuffers(8);

function recycle(buffer: ArrayBuffer): void {
  if (buffer.byteLength >= OFFLOAD_MIN) pieceSpares.give(buffer);
}

/**
 * A buffer of `size` bytes to read a piece into and hand over (`transfer`) to a blob writer:
 * one given back by an earlier piece when there is one (fresh memory costs page faults), else
 * a new one. It is all of its ArrayBuffer, so it can be moved between threads.
 */
export function pieceBuffer(size: number): Buffer {
  const b = pieceSpares.take((n) => n === size);
  return b ? Buffer.from(b) : Buffer.allocUnsafeSlow(size);
}

/** Whether `data` is all of a (non-shared) ArrayBuffer, which can be moved to another thread. */
export function movable(data: Uint8Array): boolean {
  return (
    data.buffer instanceof ArrayBuffer &&
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength
  );
}

/**
 * The digest of a blob written piece by piece: on this thread, or on the hash worker when the
 * first piece is lendable (`start`). Pieces must be given in write order.
 */
export class BlobDigester {
  #local: ReturnType<typeof createDigester> | undefined;
  #remote: { readonly worker: HashWorker; readonly id: number } | undefined;
  #started = false;

  /**
   * Decides where the blob is hashed, given its first piece, whether it is lent (handed over
   * and all of its buffer) and the blob's size when known. True: on the hash worker, through
   * `lend`/`send`.
   */
  start(first: Uint8Array, lendable: boolean, sizeHint?: number): boolean {
    if (!this.#started) {
      this.#started = true;
      const worker =
        lendable && first.length >= OFFLOAD_MIN && (worthWorkers(sizeHint) || shared?.ready)
          ? hashWorker()
          : undefined;
      if (worker) this.#remote = { worker, id: worker.newId() };
    }
    return this.#remote !== undefined;
  }

  /** Hashes `data` on this thread (a blob not sent to the worker). */
  update(data: Uint8Array): void {
    this.#local ??= createDigester();
    this.#local.update(data);
  }

  /**
   * Sends the next piece to the hash worker: moved when `lend` (given back into the spares once
   * hashed), else copied now. Resolves once it is hashed.
   */
  send(data: Uint8Array, lend: boolean): Promise<void> {
    const remote = this.#remote!;
    const piece = lend ? data : new Uint8Array(data);
    return remote.worker
      .request(
        {
          op: "update",
          id: remote.id,
          buffer: piece.buffer as ArrayBuffer,
          offset: piece.byteOffset,
          length: piece.length,
        },
        true,
      )
      .then(() => {});
  }

  get remote(): boolean {
    return this.#remote !== undefined;
  }

  async digest(): Promise<B3Digest> {
    const remote = this.#remote;
    if (!remote) {
      this.#local ??= createDigester();
      return this.#local.digest();
    }
    this.#remote = undefined;
    const reply = await remote.worker.request({ op: "digest", id: remote.id });
    return new Uint8Array(reply.digest!) as B3Digest;
  }

  /** Forgets the blob (an aborted or failed write). */
  drop(): void {
    const remote = this.#remote;
    this.#remote = undefined;
    remote?.worker.drop(remote.id);
  }
}
