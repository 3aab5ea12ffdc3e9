/**
 * Exact-length reads over a byte stream, for parsers of framed formats (tar). Pieces of the
 * underlying stream are handed out without copying where possible; only reads that straddle two
 * pieces copy. Memory stays at one pending piece.
 */
export class ByteSource {
  readonly #it: AsyncIterator<Uint8Array>;
  #piece: Uint8Array = new Uint8Array(0);
  #done = false;
  /** Bytes consumed so far (offset of the next byte). */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** Ensures a non-empty pending piece; false at end of stream. */
  async #fill(): Promise<boolean> {
    while (this.#piece.length === 0) {
      if (this.#done) return false;
      const r = await this.#it.next();
      if (r.done) {
        this.#done = true;
        return false;
      }
      this.#piece = r.value;
    }
    return true;
  }

  /**
   * Exactly `n` bytes, or fewer only if the stream ends first (the caller decides whether that
   * is an error). The result may be a view into the stream's own buffer: use it before the next
   * read or copy it.
   */
  async read(n: number): Promise<Uint8Array> {
    if (!(await this.#fill())) return new Uint8Array(0);
    if (this.#piece.length >= n) {
      const out = this.#piece.subarray(0, n);
      this.#piece = this.#piece.subarray(n);
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n && (await this.#fill())) {
      const take = Math.min(n - got, this.#piece.length);
      out.set(this.#piece.subarray(0, take), got);
      this.#piece = this.#piece.subarray(take);
      got += take;
    }
    this.offset += got;
    return got === n ? out : out.subarray(0, got);
  }

  /**
   * The next `n` bytes as pieces of whatever size the stream delivers (no copying). Ends early
   * only if the stream does; the caller counts. Pieces are views: consume each before the next.
   */
  async *pieces(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0 && (await this.#fill())) {
      const take = Math.min(left, this.#piece.length);
      const out = this.#piece.subarray(0, take);
      this.#piece = this.#piece.subarray(take);
      this.offset += take;
      left -= take;
      yield out;
    }
  }

  /** Skips up to `n` bytes; returns how many were skipped. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const p of this.pieces(n)) skipped += p.length;
    return skipped;
  }

  /**
   * Stops reading the underlying stream (lets a file or socket close early). Failures while
   * tearing the source down are ignored: everything the parser needed was already read.
   */
  async close(): Promise<void> {
    this.#done = true;
    await Promise.resolve(this.#it.return?.()).catch(() => {});
  }
}
