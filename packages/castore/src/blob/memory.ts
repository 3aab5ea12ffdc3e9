/** `memory://`: blobs in a Map, inserted when a writer closes (castore-store.md §3.3). */
import { concatBytes } from "../bytes.ts";
import { type B3Digest, digestKey } from "../model/digest.ts";
import { BytesReader } from "./reader.ts";
import type { BlobReader, BlobService, BlobStat, BlobWriter, OpenWriteOptions } from "./types.ts";
import { BaseBlobWriter } from "./writer-base.ts";

export class MemoryBlobService implements BlobService {
  readonly #blobs = new Map<string, Uint8Array>();

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
    const data = this.#blobs.get(digestKey(digest));
    return data ? new BytesReader(data) : undefined;
  }

  openWrite(options?: OpenWriteOptions): BlobWriter {
    return new MemoryBlobWriter(this.#blobs, options);
  }

  async close(): Promise<void> {}
}

class MemoryBlobWriter extends BaseBlobWriter {
  readonly #blobs: Map<string, Uint8Array>;
  #parts: Uint8Array[] = [];

  constructor(blobs: Map<string, Uint8Array>, options?: OpenWriteOptions) {
    super(options);
    this.#blobs = blobs;
  }

  protected async store(data: Uint8Array): Promise<void> {
    this.#parts.push(data.slice()); // the caller may reuse its buffer
  }

  protected async commit(digest: B3Digest): Promise<void> {
    const key = digestKey(digest);
    if (!this.#blobs.has(key)) this.#blobs.set(key, concatBytes(this.#parts));
    this.#parts = [];
  }

  protected async discard(): Promise<void> {
    this.#parts = [];
  }
}
