/**
 * Bookkeeping every BlobWriter shares: hashing as bytes arrive, serialising backend writes,
 * idempotent close, the expected-digest check before anything is committed, and refusing writes
 * after close. Backends only say how to store data, commit it, and throw it away.
 */
import { BlobServiceError } from "../errors.ts";
import { type B3Digest, createDigester, digestEquals, digestToString } from "../model/digest.ts";
import type { BlobWriter, OpenWriteOptions, WriteOptions } from "./types.ts";

export abstract class BaseBlobWriter implements BlobWriter {
  readonly #expected: B3Digest | undefined;
  readonly #hasher = createDigester();
  #bytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  #closed = false;
  #result: Promise<B3Digest> | undefined;

  constructor(options: OpenWriteOptions = {}) {
    this.#expected = options.expectedDigest;
  }

  /** Backends that keep handed-over buffers say so (see BlobWriter.acceptsTransfer). */
  get acceptsTransfer(): boolean {
    return false;
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.#bytes;
  }

  write(data: Uint8Array, options?: WriteOptions): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new BlobServiceError("invalid-request", "already closed"));
    }
    this.#hasher.update(data);
    this.#bytes += data.length;
    const run = this.#chain.then(() => {
      if (this.#failure !== undefined) throw this.#failure;
      return this.store(data, options?.transfer === true);
    });
    this.#chain = run.catch((e) => {
      this.#failure ??= e;
    });
    return run.catch((e) => {
      throw wrap(e);
    });
  }

  close(): Promise<B3Digest> {
    if (!this.#result) {
      this.#closed = true;
      this.#result = this.#finish();
    }
    return this.#result;
  }

  async abort(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#result = Promise.reject(new BlobServiceError("invalid-request", "writer was aborted"));
    this.#result.catch(() => {});
    await this.#chain;
    await this.discard();
  }

  async #finish(): Promise<B3Digest> {
    await this.#chain;
    if (this.#failure !== undefined) {
      await this.discard().catch(() => {});
      throw wrap(this.#failure);
    }
    const digest = this.#hasher.digest();
    if (this.#expected && !digestEquals(digest, this.#expected)) {
      await this.discard().catch(() => {});
      throw new BlobServiceError(
        "integrity",
        `digest mismatch: expected ${digestToString(this.#expected)}, got ${digestToString(digest)}`,
      );
    }
    try {
      await this.commit(digest, this.#bytes);
    } catch (e) {
      await this.discard().catch(() => {});
      throw wrap(e);
    }
    return digest;
  }

  /**
   * Takes the next piece of data (called in write order, one at a time). With `transfer` the
   * backend may keep `data` itself; otherwise it must copy what it keeps.
   */
  protected abstract store(data: Uint8Array, transfer: boolean): Promise<void>;
  /** Makes the blob visible under `digest`. */
  protected abstract commit(digest: B3Digest, size: number): Promise<void>;
  /** Throws away anything stored so far. */
  protected abstract discard(): Promise<void>;
}

function wrap(e: unknown): BlobServiceError {
  if (e instanceof BlobServiceError) return e;
  return new BlobServiceError("backend", `blob write failed: ${(e as Error)?.message ?? e}`, {
    cause: e,
  });
}
