/**
 * Reference scanning (castore-store.md §6.5): which of a set of candidate byte strings (store
 * paths, or just their hashes) occur in file contents and symlink targets. Streaming: feed
 * pieces with `scan`; matches spanning piece boundaries are found because the last
 * (longest candidate − 1) bytes are carried over. Unlike Tvix, overlapping matches and short
 * candidates in short pieces are found too.
 *
 * Speed: a Wu-Manber style filter. Every candidate is keyed by the block of up to 4 bytes that
 * ends at the shortest candidate length; at each input position that block is looked up in a
 * 64 Ki bitmap first, and only on a hit are candidates compared.
 */

export interface ScanStream {
  scan(piece: Uint8Array): void;
}

export class ReferenceScanner {
  readonly #candidates: readonly Uint8Array[];
  readonly #found: boolean[];
  readonly #minLen: number;
  readonly #maxLen: number;
  readonly #block: number;
  readonly #bitmap = new Uint8Array(65536);
  readonly #buckets = new Map<number, number[]>();
  #default: ScanStream | undefined;

  constructor(candidates: readonly (Uint8Array | string)[]) {
    const enc = new TextEncoder();
    this.#candidates = candidates.map((c) => (typeof c === "string" ? enc.encode(c) : c));
    if (this.#candidates.some((c) => c.length === 0)) throw new RangeError("empty candidate");
    this.#found = this.#candidates.map(() => false);
    this.#minLen = Math.min(...this.#candidates.map((c) => c.length));
    this.#maxLen = Math.max(0, ...this.#candidates.map((c) => c.length));
    this.#block = Math.min(4, this.#minLen);
    this.#candidates.forEach((c, i) => {
      const key = blockKey(c, this.#minLen - this.#block, this.#block);
      this.#bitmap[fold(key)] = 1;
      const list = this.#buckets.get(key);
      if (list) list.push(i);
      else this.#buckets.set(key, [i]);
    });
  }

  /** Feeds the next piece of the (single, default) stream. */
  scan(piece: Uint8Array): void {
    this.#default ??= this.stream();
    this.#default.scan(piece);
  }

  /**
   * A separate stream sharing this scanner's results: matches never span two streams. Use one
   * per file when scanning several files (possibly at once).
   */
  stream(): ScanStream {
    let carry: Uint8Array = new Uint8Array(0);
    return {
      scan: (piece) => {
        if (this.#candidates.length === 0 || piece.length === 0) return;
        const data = carry.length ? concat(carry, piece) : piece;
        // Carried positions are searched again: matches there may now fit.
        this.#search(data, 0);
        const keep = Math.min(this.#maxLen - 1, data.length);
        carry = data.slice(data.length - keep);
      },
    };
  }

  /** Scans one self-contained buffer (e.g. a symlink target). */
  scanBytes(bytes: Uint8Array): void {
    this.#search(bytes, 0);
  }

  #search(data: Uint8Array, from: number): void {
    const m = this.#minLen;
    const blk = this.#block;
    const last = data.length - m;
    for (let i = from; i <= last; i++) {
      const key = blockKey(data, i + m - blk, blk);
      if (this.#bitmap[fold(key)] === 0) continue;
      const bucket = this.#buckets.get(key);
      if (!bucket) continue;
      for (const ci of bucket) {
        if (this.#found[ci]) continue;
        const c = this.#candidates[ci]!;
        if (i + c.length > data.length) continue;
        let j = 0;
        while (j < c.length && data[i + j] === c[j]) j++;
        if (j === c.length) this.#found[ci] = true;
      }
    }
  }

  /** Per candidate, in the order given: whether it occurred. */
  matches(): readonly boolean[] {
    return this.#found;
  }

  /** The candidates that occurred, in the order given. */
  found(): Uint8Array[] {
    return this.#candidates.filter((_, i) => this.#found[i]);
  }
}

function blockKey(b: Uint8Array, at: number, len: number): number {
  let k = 0;
  for (let i = 0; i < len; i++) k = (k << 8) | b[at + i]!;
  return k >>> 0;
}

function fold(key: number): number {
  return (key ^ (key >>> 16)) & 0xffff;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
