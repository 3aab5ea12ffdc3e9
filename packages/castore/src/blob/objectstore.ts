/**
 * `objectstore+…` BlobService (castore-store.md §3.3): blobs are cut into FastCDC chunks, each
 * chunk stored zstd-compressed under `chunks/b3/<4 hex>/<hex>`, and each blob gets an index
 * object under `blobs/b3/<4 hex>/<hex>` (a StatBlobResponse listing its chunks, empty when the
 * blob is a single chunk). The index is written last, so a blob is visible only when complete.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { concatBytes } from "../bytes.ts";
import { BlobServiceError } from "../errors.ts";
import { StatBlobResponseSchema } from "../gen/tvix/castore/v1/rpc_blobstore_pb.ts";
import {
  type B3Digest,
  b3Digest,
  blake3,
  digestEquals,
  digestToHex,
  digestToString,
  EMPTY_DIGEST,
} from "../model/digest.ts";
import { checkSize } from "../model/node.ts";
import type { ObjectStore } from "../objectstore/types.ts";
import { shardedKey } from "../objectstore/types.ts";
import { zstdFrame } from "../objectstore/zstd.ts";
import { zstdDecompressFresh, zstdDecompressObject } from "../objectstore/zstd-read.ts";
import { chunkReadPool, UNAVAILABLE } from "./chunk-pool.ts";
import { chunkBuffer, chunkStorePool } from "./chunk-store-pool.ts";
import { chunkSizesFor, DEFAULT_AVG_CHUNK_SIZE, StreamChunker } from "./fastcdc.ts";
import { BytesReader, ChunkedReader } from "./reader.ts";
import type {
  BlobReader,
  BlobService,
  BlobStat,
  BlobWriter,
  ChunkMeta,
  OpenWriteOptions,
  WriteOptions,
} from "./types.ts";
import { putThroughWriter } from "./types.ts";
import { worthWorkers } from "./worker-env.ts";
import { BaseBlobWriter } from "./writer-base.ts";

/**
 * Chunks a reader fetches ahead while streaming: reading, decompressing (libuv's thread pool)
 * and verifying the next chunks overlaps sending the current one.
 */
const READ_AHEAD = 4;

export interface ObjectStoreBlobOptions {
  /** FastCDC average chunk size (min = avg/2, max = 2·avg). Default 256 KiB, as Tvix. */
  readonly avgChunkSize?: number;
}

const blobKey = (d: Uint8Array) => shardedKey("blobs", digestToHex(d));
const chunkKey = (d: Uint8Array) => shardedKey("chunks", digestToHex(d));

export class ObjectStoreBlobService implements BlobService {
  readonly #store: ObjectStore;
  readonly #avg: number;

  constructor(store: ObjectStore, options: ObjectStoreBlobOptions = {}) {
    this.#store = store;
    this.#avg = options.avgChunkSize ?? DEFAULT_AVG_CHUNK_SIZE;
  }

  async has(digest: B3Digest): Promise<boolean> {
    return backend(async () => {
      return (
        (await this.#store.head(blobKey(digest))) || (await this.#store.head(chunkKey(digest)))
      );
    });
  }

  async stat(
    digest: B3Digest,
    options: { withChunks?: boolean } = {},
  ): Promise<BlobStat | undefined> {
    const chunks = await this.#chunks(digest);
    if (!chunks) return undefined;
    return options.withChunks ? { chunks } : {};
  }

  /** The blob's chunk list; [] when it is stored as one chunk; undefined when absent. */
  async #chunks(digest: B3Digest): Promise<ChunkMeta[] | undefined> {
    const index = await backend(() => this.#store.get(blobKey(digest)));
    if (index) return decodeIndex(index, digest);
    if (await backend(() => this.#store.head(chunkKey(digest)))) return [];
    return undefined;
  }

  /** A chunk's bytes, verified against its digest (in the chunk worker when possible). */
  async #readChunk(digest: B3Digest): Promise<Uint8Array | undefined> {
    const pool = this.#store.localPath ? chunkReadPool() : undefined;
    if (pool) {
      const reply = await pool.read(this.#store.localPath!(chunkKey(digest)), digest);
      if (reply !== UNAVAILABLE) {
        switch (reply.kind) {
          case "ok":
            return reply.data;
          case "missing":
            return undefined;
          case "not-zstd":
            throw new BlobServiceError(
              "integrity",
              `chunk ${digestToString(digest)} is not valid zstd: ${reply.message}`,
            );
          case "invalid":
            throw new BlobServiceError(
              "integrity",
              `chunk ${digestToString(digest)} contents invalid`,
            );
          case "io":
            throw new BlobServiceError("backend", `object store: ${reply.message}`);
        }
      }
    }
    return this.#readChunkHere(digest);
  }

  /** `#readChunk` on this thread. */
  async #readChunkHere(digest: B3Digest): Promise<Uint8Array | undefined> {
    const stored = await backend(() => this.#store.get(chunkKey(digest)));
    if (!stored) return undefined;
    let data: Uint8Array;
    let fresh: boolean;
    try {
      ({ data, fresh } = await zstdDecompressObject(stored));
    } catch (e) {
      throw new BlobServiceError("integrity", `chunk ${digestToString(digest)} is not valid zstd`, {
        cause: e,
      });
    }
    if (!digestEquals(blake3(data), digest)) {
      // A reused zstd context is not trusted with the verdict: only a fresh one's output counts.
      const again = fresh ? undefined : await zstdDecompressFresh(stored).catch(() => undefined);
      if (!again || !digestEquals(blake3(again), digest)) {
        throw new BlobServiceError("integrity", `chunk ${digestToString(digest)} contents invalid`);
      }
      data = again;
    }
    return data;
  }

  async openRead(digest: B3Digest): Promise<BlobReader | undefined> {
    if (digestEquals(digest, EMPTY_DIGEST)) return new BytesReader(new Uint8Array(0));
    const whole = await this.#readChunk(digest);
    if (whole) return new BytesReader(whole);
    const chunks = await this.#chunks(digest);
    if (!chunks) return undefined;
    if (chunks.length === 0) {
      throw new BlobServiceError(
        "integrity",
        `blob ${digestToString(digest)} has an index but its only chunk is missing`,
      );
    }
    return new ChunkedReader(chunks, (d) => this.#readChunk(d), { readAhead: READ_AHEAD });
  }

  openWrite(options?: OpenWriteOptions): BlobWriter {
    return new ObjectStoreBlobWriter(
      this.#store,
      new StreamChunker(chunkSizesFor(this.#avg)),
      options,
    );
  }

  /**
   * A blob of at most the minimum chunk size is one chunk, stored under the blob's digest: for
   * a local file store, one message to a chunk-store worker. Anything else goes through a writer.
   */
  async put(data: Uint8Array, options?: WriteOptions): Promise<B3Digest> {
    const pool = this.#store.localWriteRoot ? chunkStorePool() : undefined;
    if (!pool || data.length === 0 || data.length > chunkSizesFor(this.#avg).min)
      return putThroughWriter(this, data, options);
    const digest = blake3(data);
    // Once known, the root is used as it is (an import puts a blob per small file).
    this.#localRoot ??= await backend(() => this.#store.localWriteRoot!());
    const root = this.#localRoot;
    // A small chunk is copied into the worker's batch when it is sent (next turn of the event
    // loop); without transfer the caller may change its buffer before then, so it is copied
    // now (new Uint8Array copies; a Buffer's slice would not).
    const answer = pool.put(root, options?.transfer === true ? data : new Uint8Array(data), {
      digest,
    });
    if (!answer) {
      const key = chunkKey(digest);
      if (!(await backend(() => this.#store.head(key)))) {
        await backend(async () => this.#store.put(key, await zstdFrame(data)));
      }
      return digest;
    }
    const reply = await backend(() => answer);
    if (reply.kind !== "ok")
      throw new BlobServiceError("backend", `object store: ${reply.message}`);
    return digest;
  }

  /** The store's `localWriteRoot()`, once known. */
  #localRoot: string | undefined;

  async close(): Promise<void> {}
}

/** Chunk uploads in flight per writer: overlaps hashing/chunking with compression and IO. */
const UPLOADS_IN_FLIGHT = 4;
/**
 * The same when workers store the chunks (objectstore+file): the main thread only cuts them,
 * so it may run further ahead (each in flight is a chunk buffer of 2·avg bytes). Once there are
 * more, the writer waits until only half are left, so that the chunks it cuts then go to the
 * workers together: a message costs about as much CPU time as storing a small chunk, and
 * waiting for each answer made it one or two chunks per message.
 */
const WORKER_UPLOADS_IN_FLIGHT = 32;

class ObjectStoreBlobWriter extends BaseBlobWriter {
  readonly #store: ObjectStore;
  readonly #chunker: StreamChunker;
  readonly #chunks: ChunkMeta[] = [];
  readonly #inflight: Promise<void>[] = [];
  /**
   * For a local file store with chunk-store workers (chunk-store-pool.ts): its root. Workers
   * then hash, encode and write the chunks; this thread only finds where they end and copies
   * them into recycled buffers.
   */
  #root: Promise<string> | undefined;
  #local: boolean | undefined;
  /**
   * Bytes written while they are at most the chunker's minimum chunk size (with workers only):
   * fewer bytes are one chunk whatever they are, and need no copy into the chunker.
   */
  #held: Uint8Array[] | undefined = [];
  #heldBytes = 0;
  /**
   * The first chunk waits here until a second one shows up: if it stays the only one it *is*
   * the blob, stored under the blob's own digest, so it may only be stored after close has
   * checked that digest.
   */
  #first: Uint8Array | undefined;
  /** The blob is not known to be too small for chunk-store workers (worker-env.ts). */
  readonly #worthWorkers: boolean;

  constructor(store: ObjectStore, chunker: StreamChunker, options?: OpenWriteOptions) {
    super(options);
    this.#store = store;
    this.#chunker = chunker;
    this.#worthWorkers = worthWorkers(options?.sizeHint);
    if (store.localWriteRoot) {
      // A worker takes about 0.1 s to start: from now on, not once the first chunk is cut.
      if (this.#worthWorkers) chunkStorePool()?.warm();
      else chunkStorePool()?.storedWithoutWorkers(options?.sizeHint ?? 0);
    }
  }

  /**
   * The store's root for chunk-store workers; undefined when it has none, there are no workers,
   * or the blob is small and they are not running yet.
   */
  #localRoot(): Promise<string> | undefined {
    this.#local ??=
      this.#store.localWriteRoot !== undefined &&
      (this.#worthWorkers ? chunkStorePool() !== undefined : chunkStorePool()?.ready === true);
    if (!this.#local) return undefined;
    this.#root ??= backend(() => this.#store.localWriteRoot!());
    return this.#root;
  }

  /** A chunk's copy out of the chunker: a recycled buffer when workers store the chunks. */
  readonly #alloc = (len: number): Uint8Array =>
    this.#local ? chunkBuffer(len, this.#chunker.max) : new Uint8Array(len);

  /**
   * Starts storing one chunk (in order; hashing, compression and upload in the background).
   * `digest` is given when it is already known (the blob's own, for a one-chunk blob).
   * `recycle`: the chunk is a `chunkBuffer`.
   */
  #upload(chunk: Uint8Array, digest?: B3Digest, recycle = false): void {
    const index = this.#chunks.length;
    const size = chunk.length;
    this.#chunks.push({ digest: digest ?? EMPTY_DIGEST, size });
    const root = this.#root;
    const task = root
      ? (async () => {
          const answer = chunkStorePool()?.put(await root, chunk, { digest, recycle });
          if (!answer) return this.#uploadHere(index, chunk, digest);
          const reply = await backend(() => answer);
          if (reply.kind !== "ok") {
            throw new BlobServiceError("backend", `object store: ${reply.message}`);
          }
          this.#chunks[index] = { digest: b3Digest(reply.digest), size };
        })()
      : this.#uploadHere(index, chunk, digest);
    task.catch(() => {}); // observed when awaited below
    this.#inflight.push(task);
  }

  /** Stores chunk number `index` through the object store, on this thread. */
  async #uploadHere(index: number, chunk: Uint8Array, digest?: B3Digest): Promise<void> {
    const d = digest ?? blake3(chunk);
    this.#chunks[index] = { digest: d, size: chunk.length };
    const key = chunkKey(d);
    if (await this.#store.head(key)) return; // deduplicated
    await this.#store.put(key, await zstdFrame(chunk));
  }

  async #accept(chunk: Uint8Array): Promise<void> {
    if (this.#chunks.length === 0 && this.#first === undefined) {
      this.#first = chunk;
      return;
    }
    if (this.#first !== undefined) {
      this.#upload(this.#first, undefined, this.#local === true);
      this.#first = undefined;
    }
    this.#upload(chunk, undefined, this.#local === true);
    if (this.#local) {
      if (this.#inflight.length <= WORKER_UPLOADS_IN_FLIGHT) return;
      while (this.#inflight.length > WORKER_UPLOADS_IN_FLIGHT / 2) await this.#inflight.shift();
    } else {
      while (this.#inflight.length > UPLOADS_IN_FLIGHT) await this.#inflight.shift();
    }
  }

  protected async store(data: Uint8Array, transfer: boolean): Promise<void> {
    const root = this.#localRoot();
    if (root) await root;
    if (this.#held && root) {
      // Kept as they are while they may still be the only chunk (a copy unless handed over).
      this.#held.push(transfer ? data : new Uint8Array(data));
      this.#heldBytes += data.length;
      if (this.#heldBytes <= this.#chunker.min) return;
      const held = this.#held;
      this.#held = undefined;
      for (const h of held) {
        for (const chunk of this.#chunker.push(h, this.#alloc)) await this.#accept(chunk);
      }
      return;
    }
    this.#held = undefined;
    for (const chunk of this.#chunker.push(data, this.#alloc)) await this.#accept(chunk);
  }

  protected async commit(digest: B3Digest): Promise<void> {
    if (this.#held && this.#heldBytes > 0) {
      // At most the minimum chunk size: one chunk, the held bytes themselves.
      const only = this.#held.length === 1 ? this.#held[0]! : concatBytes(this.#held);
      this.#held = undefined;
      this.#upload(only, digest);
    } else {
      this.#held = undefined;
      for (const chunk of this.#chunker.finish(this.#alloc)) await this.#accept(chunk);
      if (this.#first !== undefined) {
        // The only chunk: its digest is the blob's, just computed.
        this.#upload(this.#first, digest, this.#local === true);
        this.#first = undefined;
      }
    }
    await Promise.all(this.#inflight.splice(0));
    // One chunk is the blob itself, already visible under its digest; Tvix's readers find it
    // as a chunk (has: index or chunk; read: chunk first; stat: no index but chunk -> no finer
    // chunks), so the index Tvix also writes would add an object per small file for nothing.
    if (this.#chunks.length === 1) return;
    const key = blobKey(digest);
    if (await this.#store.head(key)) return;
    const index = create(StatBlobResponseSchema, {
      chunks: this.#chunks.map((c) => ({ digest: c.digest, size: BigInt(c.size) })),
    });
    await this.#store.put(key, toBinary(StatBlobResponseSchema, index));
  }

  protected async discard(): Promise<void> {
    // Chunks already uploaded are complete, content-addressed objects; leaving them is harmless
    // (and they may be shared with other blobs). Only the index makes a multi-chunk blob
    // visible, and a lone first chunk was never stored.
    this.#first = undefined;
    this.#held = undefined;
    await Promise.allSettled(this.#inflight.splice(0));
    this.#chunker.finish();
  }
}

function decodeIndex(bytes: Uint8Array, digest: B3Digest): ChunkMeta[] {
  try {
    const msg = fromBinary(StatBlobResponseSchema, bytes);
    return msg.chunks.map((c) => ({ digest: b3Digest(c.digest), size: checkSize(c.size) }));
  } catch (e) {
    throw new BlobServiceError("integrity", `blob index of ${digestToString(digest)} is corrupt`, {
      cause: e,
    });
  }
}

/** Runs a storage call, turning unexpected failures into `backend` errors. */
async function backend<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BlobServiceError) throw e;
    throw new BlobServiceError("backend", `object store: ${(e as Error).message}`, { cause: e });
  }
}
