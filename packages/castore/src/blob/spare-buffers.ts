/**
 * ArrayBuffers given back for reuse, handed out again by size: memory the process has not
 * touched yet costs page faults (and large buffers an unmapping when freed), so buffers that
 * travel to a worker and back, or are read into again and again, are kept here between uses.
 */
export class SpareBuffers {
  readonly #spares: ArrayBuffer[] = [];
  readonly #max: number;

  /** Keeps at most `max` buffers; more given back are left to the GC. */
  constructor(max: number) {
    this.#max = max;
  }

  give(b: ArrayBuffer): void {
    if (this.#spares.length < this.#max && b.byteLength > 0) this.#spares.push(b);
  }

  /** A kept buffer whose size `fits`, no longer kept; undefined when there is none. */
  take(fits: (byteLength: number) => boolean): ArrayBuffer | undefined {
    const s = this.#spares;
    for (let i = s.length - 1; i >= 0; i--) {
      const b = s[i]!;
      if (fits(b.byteLength)) {
        s[i] = s[s.length - 1]!;
        s.pop();
        return b;
      }
    }
    return undefined;
  }
}
