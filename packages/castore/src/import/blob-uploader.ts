/**
 * Uploads file contents that arrive one after another on a single stream (tar entries,
 * castore-store.md §6.4): small blobs are read into memory, hashed at once and uploaded in the
 * background, so the stream keeps moving while the service works; large ones are streamed
 * straight through. A byte budget bounds what is buffered and a limiter bounds how many uploads
 * run at once. `join` must be awaited to see background failures.
 */
import type { BlobService } from "../blob/types.ts";
import { type B3Digest, blake3 } from "../model/digest.ts";
import { ImportError } from "./errors.ts";
import { Limiter } from "./limiter.ts";

export interface BlobUploaderOptions {
  /** Blobs smaller than this are buffered and uploaded in the background (default 1 MiB). */
  readonly threshold?: number;
  /** Most bytes buffered for background uploads at once (default 128 MiB). */
  readonly maxBufferedBytes?: number;
  /** Most background uploads running at once (default 32). */
  readonly concurrency?: number;
}

/** A weighted semaphore over bytes. */
class ByteBudget {
  readonly #max: number;
  #used = 0;
  readonly #waiting: { n: number; resolve: () => void }[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  async take(n: number): Promise<void> {
    const want = Math.min(n, this.#max);
    if (this.#waiting.length === 0 && this.#used + want <= this.#max) {
      this.#used += want;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push({ n: want, resolve }));
  }

  give(n: number): void {
    this.#used -= Math.min(n, this.#max);
    while (this.#waiting.length > 0 && this.#used + this.#waiting[0]!.n <= this.#max) {
      const w = this.#waiting.shift()!;
      this.#used += w.n;
      w.resolve();
    }
  }
}

export class BlobUploader {
  readonly #blobs: BlobService;
  readonly #threshold: number;
  readonly #budget: ByteBudget;
  readonly #limiter: Limiter;
  readonly #tasks = new Set<Promise<void>>();
  #failure: ImportError | undefined;

  constructor(blobs: BlobService, options: BlobUploaderOptions = {}) {
    this.#blobs = blobs;
    this.#threshold = options.threshold ?? 1024 * 1024;
    this.#budget = new ByteBudget(options.maxBufferedBytes ?? 128 * 1024 * 1024);
    this.#limiter = new Limiter(options.concurrency ?? 32);
  }

  /**
   * Consumes `body` (which must hold exactly `size` bytes) and returns the blob's digest. The
   * upload itself may still be running; `join` waits for it.
   */
  async upload(path: string, size: number, body: AsyncIterable<Uint8Array>): Promise<B3Digest> {
    if (this.#failure) throw this.#failure;
    if (size < this.#threshold) return this.#buffered(path, size, body);
    return this.#streamed(path, size, body);
  }

  async #buffered(path: string, size: number, body: AsyncIterable<Uint8Array>): Promise<B3Digest> {
    await this.#budget.take(size);
    let data: Uint8Array;
    try {
      data = await readExactly(path, size, body);
    } catch (e) {
      this.#budget.give(size);
      throw e;
    }
    const digest = blake3(data);
    const task = this.#limiter
      .run(async () => {
        if (await this.#blobs.has(digest)) return;
        const w = this.#blobs.openWrite({ expectedDigest: digest, sizeHint: size });
        try {
          await w.write(data);
          await w.close();
        } catch (e) {
          await w.abort().catch(() => {});
          throw e;
        }
      })
      .catch((e) => {
        this.#failure ??= new ImportError(
          "upload",
          path,
          `blob upload failed: ${(e as Error).message}`,
          { cause: e },
        );
      })
      .finally(() => {
        this.#budget.give(size);
        this.#tasks.delete(task);
      });
    this.#tasks.add(task);
    return digest;
  }

  async #streamed(path: string, size: number, body: AsyncIterable<Uint8Array>): Promise<B3Digest> {
    const w = this.#blobs.openWrite({ sizeHint: size });
    let got = 0;
    try {
      for await (const piece of body) {
        got += piece.length;
        await w.write(piece);
      }
      if (got !== size) throw sizeError(path, size, got);
      return await w.close();
    } catch (e) {
      await w.abort().catch(() => {});
      if (e instanceof ImportError) throw e;
      throw new ImportError("upload", path, `blob upload failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Waits for every background upload; throws the first failure. */
  async join(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    if (this.#failure) throw this.#failure;
  }
}

async function readExactly(
  path: string,
  size: number,
  body: AsyncIterable<Uint8Array>,
): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let got = 0;
  for await (const piece of body) {
    if (got + piece.length > size) throw sizeError(path, size, got + piece.length);
    out.set(piece, got);
    got += piece.length;
  }
  if (got !== size) throw sizeError(path, size, got);
  return out;
}

function sizeError(path: string, wanted: number, got: number): ImportError {
  return new ImportError("io", path, `unexpected size: wanted ${wanted} bytes, got ${got}`);
}
