/**
 * Hashing a large stream on a second core. The producer (this thread, e.g. walking the file
 * system and building a NAR) fills a ring of shared-memory slots, either by copying chunks
 * (`update`) or by letting the NAR writer write straight into the slots (`NarBufferSink`); a
 * worker thread hashes the slots in order. File system work and hashing overlap, and nothing is
 * allocated per chunk. Memory is bounded by the ring (`slots * slotSize`).
 *
 * The worker is started when the first slot is full (or at once with `eager`, to overlap its
 * start-up with other work), so inputs smaller than a slot never start one. The producer blocks
 * (Atomics.wait) while the ring is full; this is meant for the command line, where there is
 * nothing else to do meanwhile. If the worker has not started by the time the ring is full or the
 * input ends, this thread claims the ring and hashes inline instead, so short jobs never wait for
 * the worker to boot and a worker that cannot start never hangs us.
 */
import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { NarBufferSink } from "@tvix-ts/nix-compat";

/**
 * The worker: claims the ring, hashes its slots in order until the producer marks the end, then
 * posts the digests. Plain JavaScript evaluated in the worker (no module loading or TypeScript
 * stripping there), so that it starts fast and small.
 *
 * ctrl layout (Int32): [0] owner (0 nobody yet, 1 producer thread, 2 worker),
 * [1 + i] state of slot i: 0 free, > 0 filled with that many bytes, -1 end of input.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { ring, ctrl, slots, slotSize, algos } = workerData;
const c = new Int32Array(ctrl);
if (Atomics.compareExchange(c, 0, 0, 2) === 0) {
  Atomics.notify(c, 0);
  const hashes = algos.map((a) => createHash(a));
  const bytes = new Uint8Array(ring);
  for (let i = 0; ; i = (i + 1) % slots) {
    let n = Atomics.load(c, 1 + i);
    while (n === 0) {
      Atomics.wait(c, 1 + i, 0);
      n = Atomics.load(c, 1 + i);
    }
    if (n < 0) break;
    const view = bytes.subarray(i * slotSize, i * slotSize + n);
    for (const h of hashes) h.update(view);
    Atomics.store(c, 1 + i, 0);
    Atomics.notify(c, 1 + i);
  }
  parentPort.postMessage(hashes.map((h) => h.digest()));
} else {
  parentPort.postMessage(null);
}
`;

const OWNER = 0;
const OWNER_NONE = 0;
const OWNER_MAIN = 1;
/** How long a full ring waits for the worker to start before hashing inline. */
const CLAIM_TIMEOUT_MS = 2000;

export interface ParallelHasherOptions {
  /** Number of ring slots (default 8). */
  readonly slots?: number;
  /** Bytes per slot (default 1 MiB). */
  readonly slotSize?: number;
  /** Start the worker right away instead of when the first slot is full. */
  readonly eager?: boolean;
}

export class ParallelHasher implements NarBufferSink {
  private readonly algos: string[];
  private readonly slots: number;
  private readonly slotSize: number;
  private readonly bytes: Uint8Array;
  private readonly ctrlBuffer: SharedArrayBuffer;
  private readonly ctrl: Int32Array;
  private worker: Worker | undefined;
  private result: Promise<Buffer[] | null> | undefined;
  /** Slot being filled and how much of it is used. */
  private slot = 0;
  private fill = 0;
  /** Slots published so far (before any wrap-around, these are 0..published-1). */
  private published = 0;
  /** Set when this thread hashes inline (it claimed the ring). */
  private inline: Hash[] | undefined;

  constructor(algos: readonly string[], opts: ParallelHasherOptions = {}) {
    this.algos = [...algos];
    this.slots = opts.slots ?? 8;
    this.slotSize = opts.slotSize ?? 1024 * 1024;
    this.bytes = new Uint8Array(new SharedArrayBuffer(this.slots * this.slotSize));
    this.ctrlBuffer = new SharedArrayBuffer(4 * (1 + this.slots));
    this.ctrl = new Int32Array(this.ctrlBuffer);
    if (opts.eager) this.startWorker();
  }

  private startWorker(): void {
    if (this.worker || this.inline) return;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        ring: this.bytes.buffer,
        ctrl: this.ctrlBuffer,
        slots: this.slots,
        slotSize: this.slotSize,
        algos: this.algos,
      },
    });
    this.worker = worker;
    this.result = new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", () => resolve(null));
    });
    // Awaited in digest(); no unhandled rejection before that.
    this.result.catch(() => {});
  }

  private slotView(i: number, n: number): Uint8Array {
    return this.bytes.subarray(i * this.slotSize, i * this.slotSize + n);
  }

  /** Takes the ring over from a worker that has not started, hashing what is published. */
  private claim(): boolean {
    if (Atomics.compareExchange(this.ctrl, OWNER, OWNER_NONE, OWNER_MAIN) !== OWNER_NONE)
      return false;
    const hs = this.algos.map((a) => createHash(a));
    for (let i = 0; i < this.published; i++) {
      const v = this.slotView(i, Atomics.load(this.ctrl, 1 + i));
      for (const h of hs) h.update(v);
      Atomics.store(this.ctrl, 1 + i, 0);
    }
    this.inline = hs;
    void this.worker?.terminate();
    return true;
  }

  /** Blocks until slot `i` is free. */
  private waitFree(i: number): void {
    const at = 1 + i;
    while (Atomics.load(this.ctrl, at) !== 0) {
      if (Atomics.load(this.ctrl, OWNER) === OWNER_NONE) {
        Atomics.wait(this.ctrl, OWNER, OWNER_NONE, CLAIM_TIMEOUT_MS);
        if (this.claim()) return;
        continue;
      }
      const v = Atomics.load(this.ctrl, at);
      if (v !== 0) Atomics.wait(this.ctrl, at, v);
    }
  }

  /** Publishes the current slot (if it has anything) and moves to the next free one. */
  private publish(): void {
    if (this.fill === 0) return;
    if (this.inline) {
      const v = this.slotView(this.slot, this.fill);
      for (const h of this.inline) h.update(v);
    } else {
      Atomics.store(this.ctrl, 1 + this.slot, this.fill);
      Atomics.notify(this.ctrl, 1 + this.slot);
      this.published++;
      this.startWorker();
      this.slot = (this.slot + 1) % this.slots;
      this.waitFree(this.slot);
    }
    this.fill = 0;
  }

  /** Adds bytes (copied; the caller may reuse the chunk right away). */
  update(chunk: Uint8Array): void {
    let o = 0;
    while (o < chunk.length) {
      const n = Math.min(this.slotSize - this.fill, chunk.length - o);
      this.bytes.set(
        o === 0 && n === chunk.length ? chunk : chunk.subarray(o, o + n),
        this.slot * this.slotSize + this.fill,
      );
      this.fill += n;
      o += n;
      if (this.fill === this.slotSize) this.publish();
    }
  }

  // NarBufferSink: the NAR writer fills the slots directly.
  swap(filled: Uint8Array | undefined, used: number, min: number): Uint8Array {
    if (min > this.slotSize) throw new RangeError(`cannot hand out ${min} bytes`);
    if (filled) {
      this.fill = used;
      this.publish();
    }
    return this.slotView(this.slot, this.slotSize);
  }

  end(_last: Uint8Array, used: number): void {
    this.fill = used;
  }

  /** Finishes and returns one digest per algorithm. */
  async digest(): Promise<Uint8Array[]> {
    if (!this.inline && Atomics.load(this.ctrl, OWNER) === OWNER_NONE) this.claim();
    if (this.inline) {
      this.publish();
      return this.inline.map((h) => new Uint8Array(h.digest()));
    }
    this.publish();
    Atomics.store(this.ctrl, 1 + this.slot, -1);
    Atomics.notify(this.ctrl, 1 + this.slot);
    const r = await this.result;
    void this.worker?.terminate();
    if (!r) throw new Error("the hash worker stopped without a result");
    return r.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }

  /** Stops the worker without a result (after an error). */
  abort(): void {
    void this.worker?.terminate();
  }
}
