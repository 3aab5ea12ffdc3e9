/**
 * Bookkeeping every BlobWriter shares: hashing as bytes arrive, serialising backend writes,
 * idempotent close, the expected-digest check before anything is committed, and refusing writes
 * after close. Backends only say how to store data, commit it, and throw it away.
 */
import { BlobServiceError } from "../errors.ts";
import { type B3Digest, digestEquals, digestToString } from "../model/digest.ts";
import { BlobDigester, movable } from "./hash-pool.ts";
import type { BlobWriter, OpenWriteOptions, WriteOptions } from "./types.ts";

/**
 * How many pieces a blob's hashing on the hash worker may fall behind its writes: the worker
 * shares two cores with the reader and the chunk writers, and waiting for the piece just
 * before made the reader stall whenever it was descheduled (1 GiB into objectstore on tmpfs:
 * 1.31 s waiting for the piece two before, 1.26 s for the one four before).
 */
const HASH_BEHIND = 4;

export abstract class BaseBlobWriter implements BlobWriter {
  readonly #expected: B3Digest | undefined;
  readonly #sizeHint: number | undefined;
  /** Hashes here, or on the hash worker for a blob handed over in large pieces (hash-pool.ts). */
  readonly #hasher = new BlobDigester();
  /**
   * The hash worker's answer to the last piece sent to it: it answers in order, so once this
   * settles all earlier ones have (and any failure among them is in #failure).
   */
  #hashing: Promise<void> = Promise.resolve();
  /** The answers still due for the last few pieces, oldest first (see HASH_BEHIND). */
  readonly #recentHashes: Promise<void>[] = [];
  #bytes = 0;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  #closed = false;
  #result: Promise<B3Digest> | undefined;

  constructor(options: OpenWriteOptions = {}) {
    this.#expected = options.expectedDigest;
    this.#sizeHint = options.sizeHint;
  }

  /**
   * Backends that keep handed-over buffers say so (see BlobWriter.acceptsTransfer). Others may
   * still be handed buffers: those of a blob hashed on the hash worker go there once stored
   * (`store` is then told to copy what it keeps), and come back to `pieceBuffer`.
   */
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
    const handed = options?.transfer === true;
    // A handed-over buffer, to a backend that does not keep such buffers, may be lent to the
    // hash worker: the backend is then told to copy what it keeps.
    const owned = handed && !this.acceptsTransfer && movable(data);
    const remote = this.#hasher.start(data, owned, this.#sizeHint);
    if (!remote) this.#hasher.update(data);
    this.#bytes += data.length;
    const run = this.#chain.then(() => {
      if (this.#failure !== undefined) throw this.#failure;
      return this.store(data, handed && !remote);
    });
    this.#chain = run.catch((e) => {
      this.#failure ??= e;
    });
    if (!remote) {
      return run.catch((e) => {
        throw wrap(e);
      });
    }
    // Hashed on the worker in write order, each piece once the backend has its copy.
    const hashed = run.then(() => this.#hasher.send(data, owned));
    const settled = hashed.catch((e) => {
      this.#failure ??= e;
    });
    this.#hashing = settled;
    this.#recentHashes.push(settled);
    const behind = this.#recentHashes.length > HASH_BEHIND ? this.#recentHashes.shift() : undefined;
    // A lent piece is not the caller's any more: it need not wait for its own hash, only for
    // that of the piece HASH_BEHIND writes before it.
    return Promise.all([run, owned ? behind : hashed]).then(
      () => {},
      (e) => {
        throw wrap(e);
      },
    );
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
    await this.#hashing;
    this.#hasher.drop();
    await this.discard();
  }

  async #finish(): Promise<B3Digest> {
    await this.#chain;
    await this.#hashing;
    let digest: B3Digest | undefined;
    if (this.#failure === undefined) {
      digest = await this.#hasher.digest().catch((e: unknown) => {
        this.#failure = e;
        return undefined;
      });
    }
    if (this.#failure !== undefined || digest === undefined) {
      this.#hasher.drop();
      await this.discard().catch(() => {});
      throw wrap(this.#failure);
    }
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
