/**
 * `memory://`: blobs in a Map, inserted when a writer closes (castore-store.md §3.3). A blob is
 * kept as the 1 MiB pieces it was written in, so a large blob is copied once, not twice.
 */
import { type B3Digest, blake3, digestKey } from "../model/digest.ts";
import { BytesReader, PartsReader } from "./reader.ts";
import type {
  BlobReader,
  BlobService,
  BlobStat,
  BlobWriter,
  OpenWriteOptions,
  WriteOptions,
} from "./types.ts";
import { BaseBlobWriter } from "./writer-base.ts";

export class MemoryBlobService implements BlobService {
  readonly #blobs = new Map<string, readonly Uint8Array[]>();

  async has(digest: B3Digest): Promise<boolean> {
    return this.#blobs.has(digestKey(digest));
  }

  async stat(
    digest: B3Digest,
    options: { withChunks?: boolean } = {},
  ): Promise<BlobStat | undefined> {
    if (!this.#blobs.has(digestKey(digest))) return undefined;
    return options.withChunks ? { chunks: [] } : {};
  }

  async openRead(digest: B3Digest): Promise<BlobReader | undefined> {
    const parts = this.#blobs.get(digestKey(digest));
    if (!parts) return undefined;
    return parts.length === 1 ? new BytesReader(parts[0]!) : new PartsReader(parts);
  }

  openWrite(options?: OpenWriteOptions): BlobWriter {
    return new MemoryBlobWriter(this.#blobs, options);
  }

  async put(data: Uint8Array, options?: WriteOptions): Promise<B3Digest> {
    const digest = blake3(data);
    const key = digestKey(digest);
    if (!this.#blobs.has(key)) {
      // As a writer keeps it: a handed-over buffer as it is, unless it is a small view into a
      // bigger buffer (it would pin all of that memory).
      const keep =
        options?.transfer === true && data.byteLength * 2 >= data.buffer.byteLength
          ? data
          : new Uint8Array(data); // a copy (Buffer.prototype.slice would be a view)
      this.#blobs.set(key, [keep]);
    }
    return digest;
  }

  async close(): Promise<void> {}
}

const PART = 1024 * 1024;

class MemoryBlobWriter extends BaseBlobWriter {
  readonly #blobs: Map<string, readonly Uint8Array[]>;
  #parts: Uint8Array[] = [];
  #current: Uint8Array | undefined;
  #used = 0;

  constructor(blobs: Map<string, readonly Uint8Array[]>, options?: OpenWriteOptions) {
    super(options);
    this.#blobs = blobs;
  }

  override get acceptsTransfer(): boolean {
    return true;
  }

  /** Copies (the caller may reuse its buffer) into 1 MiB parts, or keeps a handed-over one. */
  protected async store(data: Uint8Array, transfer: boolean): Promise<void> {
    // Keep a handed-over buffer unless the piece is a small view into a bigger buffer (a
    // pooled Buffer slice, a short last read): keeping it would pin all of that memory. (Large
    // views are kept: a file read into one buffer arrives as pieces of it.)
    if (
      transfer &&
      data.length > 0 &&
      (data.byteLength * 2 >= data.buffer.byteLength || data.byteLength >= PART)
    ) {
      this.#seal();
      this.#parts.push(data);
      return;
    }
    let off = 0;
    while (off < data.length) {
      if (!this.#current || this.#used === this.#current.length) {
        const first = !this.#current;
        if (this.#current) this.#parts.push(this.#current);
        // A blob written in one small piece (most files) gets exactly its size.
        const left = data.length - off;
        this.#current = new Uint8Array(
          first && left < PART ? left : Math.max(PART, Math.min(left, 64 * PART)),
        );
        this.#used = 0;
      }
      const n = Math.min(data.length - off, this.#current.length - this.#used);
      this.#current.set(data.subarray(off, off + n), this.#used);
      this.#used += n;
      off += n;
    }
  }

  /** Ends the part being filled (a mostly empty one is copied down to size). */
  #seal(): void {
    if (this.#current && this.#used > 0) {
      this.#parts.push(
        this.#used < this.#current.length / 2
          ? this.#current.slice(0, this.#used)
          : this.#current.subarray(0, this.#used),
      );
    }
    this.#current = undefined;
    this.#used = 0;
  }

  protected async commit(digest: B3Digest): Promise<void> {
    const key = digestKey(digest);
    this.#seal();
    if (!this.#blobs.has(key)) {
      this.#blobs.set(key, this.#parts.length > 0 ? this.#parts : [new Uint8Array(0)]);
    }
    this.#parts = [];
    this.#current = undefined;
  }

  protected async discard(): Promise<void> {
    this.#parts = [];
    this.#current = undefined;
  }
}
