/**
 * Readers: `BytesReader` over one buffer, and `ChunkedReader` that stitches a blob together from
 * its chunks (castore-store.md §3.2), fetching each chunk only when the position reaches it.
 */
import { concatBytes } from "../bytes.ts";
import { BlobServiceError } from "../errors.ts";
import type { B3Digest } from "../model/digest.ts";
import { type BlobReader, type ChunkMeta, READ_PIECE_SIZE, type SeekFrom } from "./types.ts";

export { releaseBlobBytes } from "./chunk-pool.ts";

/** Shared position bookkeeping and streaming for readers with a known size. */
abstract class PositionedReader implements BlobReader {
  readonly size: number;
  #pos = 0;
  protected constructor(size: number) {
    this.size = size;
  }

  get position(): number {
    return this.#pos;
  }

  seek(offset: number, from: SeekFrom = "start"): number {
    const base = from === "start" ? 0 : from === "current" ? this.#pos : this.size;
    const target = base + offset;
    if (!Number.isSafeInteger(target) || target < 0) {
      throw new BlobServiceError("invalid-request", `seek to ${target}: before start of blob`);
    }
    if (target > this.size) {
      throw new BlobServiceError("invalid-request", `seek to ${target}: beyond EOF (${this.size})`);
    }
    this.#pos = target;
    return target;
  }

  async read(maxBytes = READ_PIECE_SIZE): Promise<Uint8Array> {
    if (this.#pos >= this.size || maxBytes <= 0) return new Uint8Array(0);
    const out = await this.readAt(this.#pos, Math.min(maxBytes, this.size - this.#pos));
    this.#pos += out.length;
    return out;
  }

  /** Returns between 1 and `len` bytes starting at `pos` (< size). */
  protected abstract readAt(pos: number, len: number): Promise<Uint8Array>;

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const piece = await this.read();
      if (piece.length === 0) return;
      yield piece;
    }
  }

  async close(): Promise<void> {}
}

export class BytesReader extends PositionedReader {
  readonly #data: Uint8Array;
  constructor(data: Uint8Array) {
    super(data.length);
    this.#data = data;
  }
  protected async readAt(pos: number, len: number): Promise<Uint8Array> {
    return this.#data.subarray(pos, pos + len);
  }
}

/** A blob kept as consecutive pieces (no need to join them into one buffer). */
export class PartsReader extends PositionedReader {
  readonly #parts: readonly Uint8Array[];
  readonly #starts: number[] = [];

  constructor(parts: readonly Uint8Array[]) {
    let total = 0;
    const starts: number[] = [];
    for (const p of parts) {
      starts.push(total);
      total += p.length;
    }
    super(total);
    this.#parts = parts;
    this.#starts = starts;
  }

  protected async readAt(pos: number, len: number): Promise<Uint8Array> {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    // Empty parts never occur (writers skip them), so part `lo` covers `pos`.
    const off = pos - this.#starts[lo]!;
    const part = this.#parts[lo]!;
    return part.subarray(off, Math.min(off + len, part.length));
  }
}

/** Fetches one chunk's bytes, or undefined if the chunk is missing. */
export type ChunkFetcher = (digest: B3Digest) => Promise<Uint8Array | undefined>;

export interface ChunkedReaderOptions {
  /**
   * Chunks fetched ahead of the position while reading sequentially (default 0: each chunk is
   * fetched when the position reaches it). Each prefetched chunk is still checked by `fetch`
   * (and here, against its indexed size) before any of its bytes are handed out; a failed
   * prefetch surfaces only when the position reaches that chunk.
   */
  readonly readAhead?: number;
}

export class ChunkedReader extends PositionedReader {
  readonly #chunks: readonly ChunkMeta[];
  readonly #starts: number[];
  readonly #fetch: ChunkFetcher;
  readonly #readAhead: number;
  /** Fetches started ahead of the position, by chunk index (at most `readAhead`). */
  readonly #ahead = new Map<number, Promise<Uint8Array | undefined>>();
  #cached: { index: number; data: Uint8Array } | undefined;

  constructor(
    chunks: readonly ChunkMeta[],
    fetch: ChunkFetcher,
    options: ChunkedReaderOptions = {},
  ) {
    let total = 0;
    const starts: number[] = [];
    for (const c of chunks) {
      starts.push(total);
      total += c.size;
    }
    super(total);
    this.#chunks = chunks;
    this.#starts = starts;
    this.#fetch = fetch;
    this.#readAhead = options.readAhead ?? 0;
  }

  /** Binary search for the chunk covering `pos`. */
  #indexOf(pos: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Chunk `i`'s bytes: a prefetched result if there is one, else a fetch now. */
  #take(i: number): Promise<Uint8Array | undefined> {
    const p = this.#ahead.get(i);
    if (p) {
      this.#ahead.delete(i);
      return p;
    }
    return this.#fetch(this.#chunks[i]!.digest);
  }

  /** Keeps chunks i+1..i+readAhead in flight; forgets prefetches outside that window. */
  #prefetch(i: number): void {
    for (const k of this.#ahead.keys())
      if (k <= i || k > i + this.#readAhead) this.#ahead.delete(k);
    const last = Math.min(i + this.#readAhead, this.#chunks.length - 1);
    for (let k = i + 1; k <= last; k++) {
      if (this.#ahead.has(k)) continue;
      const p = this.#fetch(this.#chunks[k]!.digest);
      p.catch(() => {}); // reported when the position reaches chunk k (or never, if it does not)
      this.#ahead.set(k, p);
    }
  }

  async #load(i: number): Promise<Uint8Array> {
    if (this.#cached?.index === i) return this.#cached.data;
    const sequential = this.#cached ? this.#cached.index + 1 === i : i === 0;
    const pending = this.#take(i);
    if (this.#readAhead > 0 && sequential) this.#prefetch(i);
    else this.#ahead.clear();
    const meta = this.#chunks[i]!;
    const data = await pending;
    if (!data) throw new BlobServiceError("integrity", `chunk ${i} of blob not found`);
    if (data.length !== meta.size) {
      throw new BlobServiceError(
        "integrity",
        `chunk ${i} has ${data.length} bytes, index says ${meta.size}`,
      );
    }
    this.#cached = { index: i, data };
    return data;
  }

  protected async readAt(pos: number, len: number): Promise<Uint8Array> {
    const i = this.#indexOf(pos);
    const data = await this.#load(i);
    const off = pos - this.#starts[i]!;
    return data.subarray(off, Math.min(off + len, data.length));
  }

  /** Streams the rest of each chunk as one piece (a view, no copy). */
  override async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const piece = await this.read(Number.MAX_SAFE_INTEGER);
      if (piece.length === 0) return;
      yield piece;
    }
  }

  override async close(): Promise<void> {
    this.#ahead.clear();
  }
}

/** Reads everything from the current position to the end (tests, small blobs). */
export async function readAll(reader: BlobReader): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of reader) parts.push(p);
  return concatBytes(parts);
}
