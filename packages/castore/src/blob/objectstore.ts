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
import { type ChunkStream, chunkStorePool, spareBuffer } from "./chunk-store-pool.ts";
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
    if (!pool || data.length === 0 || data.length > chunkSizesFor(this.#avg).min) {
      const w = this.openWrite();
      try {
        if (data.length > 0) await w.write(data, options);
        return await w.close();
      } catch (e) {
        await w.abort().catch(() => {});
        throw e;
      }
    }
    const digest = blake3(data);
    const root = await backend(() => this.#store.localWriteRoot!());
    const answer = pool.put(root, options?.transfer === true ? data : data.slice(), digest);
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

  async close(): Promise<void> {}
}

/** Chunk uploads in flight per writer: overlaps hashing/chunking with compression and IO. */
const UPLOADS_IN_FLIGHT = 4;
/**
 * The same when a worker stores the chunks (objectstore+file): the main thread only cuts them,
 * so it may run further ahead (each in flight is a chunk's bytes, 256 KiB on average).
 */
const WORKER_UPLOADS_IN_FLIGHT = 16;

class ObjectStoreBlobWriter extends BaseBlobWriter {
  readonly #store: ObjectStore;
  readonly #chunker: StreamChunker;
  readonly #chunks: ChunkMeta[] = [];
  readonly #inflight: Promise<void>[] = [];
  /**
   * For a local file store: the bytes go to a chunk-store worker, which hashes, encodes and
   * writes the chunks (chunk-store-pool.ts); this thread only finds where chunks end. Opened
   * with the first bytes; undefined without a worker.
   */
  #stream: Promise<ChunkStream | undefined> | undefined;
  /** Whether bytes went to the stream (then every chunk does). */
  #streaming = false;
  /**
   * Bytes written before the first cut (only while a worker is available): a blob that ends
   * before its first cut (most files) goes to the worker as one message at close, without a
   * stream; at the first cut these open the stream.
   */
  #held: Uint8Array[] | undefined;
  /**
   * Bytes held so far; the held bytes go into the chunker only once they are more than its
   * minimum chunk size (fewer are one chunk whatever they are, and need no copy into it).
   */
  #heldBytes = 0;
  #heldInChunker = false;
  /**
   * The first chunk waits here until a second one shows up: if it stays the only one it *is*
   * the blob, stored under the blob's own digest, so it may only be stored after close has
   * checked that digest. (The length only, when the worker holds the bytes.)
   */
  #first: Uint8Array | number | undefined;

  constructor(store: ObjectStore, chunker: StreamChunker, options?: OpenWriteOptions) {
    super(options);
    this.#store = store;
    this.#chunker = chunker;
  }

  /** A worker can take handed-over buffers (the memory moves to it instead of being copied). */
  override get acceptsTransfer(): boolean {
    return this.#store.localWriteRoot !== undefined && chunkStorePool() !== undefined;
  }

  spareBuffer(size: number): Uint8Array | undefined {
    return this.#streaming ? spareBuffer(size) : undefined;
  }

  /** The store's root for a chunk-store worker; undefined when it has none (or no workers). */
  #localRoot(): Promise<string> | undefined {
    if (!this.#store.localWriteRoot || !chunkStorePool()) return undefined;
    this.#root ??= backend(() => this.#store.localWriteRoot!());
    return this.#root;
  }

  #root: Promise<string> | undefined;

  #openStream(): Promise<ChunkStream | undefined> {
    this.#stream ??= (async () => {
      const root = this.#localRoot();
      return root ? chunkStorePool()?.open(await root) : undefined;
    })();
    return this.#stream;
  }

  /**
   * Starts storing one chunk (in order; hashing, compression and upload in the background).
   * `digest` is given when it is already known (the blob's own, for a one-chunk blob).
   */
  #upload(chunk: Uint8Array | number, digest?: B3Digest): void {
    const index = this.#chunks.length;
    let task: Promise<void>;
    if (typeof chunk === "number") {
      const size = chunk;
      this.#chunks.push({ digest: digest ?? EMPTY_DIGEST, size });
      task = (async () => {
        const stream = (await this.#stream)!;
        const reply = await backend(() => stream.chunk(size, digest));
        if (reply.kind !== "ok") {
          throw new BlobServiceError("backend", `object store: ${reply.message}`);
        }
        this.#chunks[index] = { digest: b3Digest(reply.digest), size };
      })();
    } else if (this.#root) {
      // A chunk of a blob that never needed a stream: one message to a worker.
      const size = chunk.length;
      this.#chunks.push({ digest: digest ?? EMPTY_DIGEST, size });
      const root = this.#root;
      task = (async () => {
        const answer = chunkStorePool()?.put(await root, chunk, digest);
        if (!answer) return this.#uploadHere(index, chunk, digest);
        const reply = await backend(() => answer);
        if (reply.kind !== "ok") {
          throw new BlobServiceError("backend", `object store: ${reply.message}`);
        }
        this.#chunks[index] = { digest: b3Digest(reply.digest), size };
      })();
    } else {
      this.#chunks.push({ digest: digest ?? EMPTY_DIGEST, size: chunk.length });
      task = this.#uploadHere(index, chunk, digest);
    }
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

  async #accept(chunk: Uint8Array | number): Promise<void> {
    if (this.#chunks.length === 0 && this.#first === undefined) {
      this.#first = chunk;
      return;
    }
    if (this.#first !== undefined) {
      this.#upload(this.#first);
      this.#first = undefined;
    }
    this.#upload(chunk);
    const limit = this.#streaming ? WORKER_UPLOADS_IN_FLIGHT : UPLOADS_IN_FLIGHT;
    while (this.#inflight.length > limit) await this.#inflight.shift();
  }

  protected async store(data: Uint8Array, transfer: boolean): Promise<void> {
    if (this.#streaming) {
      // Cut first (the chunker copies what it needs), then hand the bytes over.
      const cuts = this.#chunker.pushCuts(data);
      (await this.#stream)!.data(data, transfer);
      for (const len of cuts) await this.#accept(len);
      return;
    }
    if (this.#chunks.length === 0 && this.#first === undefined) {
      const root = this.#localRoot();
      if (root) {
        await root;
        // Kept until it is known whether a stream is needed (a copy unless handed over).
        this.#held ??= [];
        const held = this.#held;
        held.push(transfer ? data : data.slice());
        this.#heldBytes += data.length;
        let cuts: number[] = [];
        if (this.#heldInChunker) cuts = this.#chunker.pushCuts(data);
        else if (this.#heldBytes > this.#chunker.min) {
          this.#heldInChunker = true;
          for (const h of held) cuts.push(...this.#chunker.pushCuts(h));
        }
        if (cuts.length === 0) return;
        const stream = await this.#openStream();
        if (!stream) throw new BlobServiceError("backend", "chunk store worker unavailable");
        this.#streaming = true;
        for (const h of held) stream.data(h, true);
        this.#held = undefined;
        for (const len of cuts) await this.#accept(len);
        return;
      }
    }
    for (const chunk of this.#chunker.push(data)) await this.#accept(chunk);
  }

  protected async commit(digest: B3Digest): Promise<void> {
    let rest: (Uint8Array | number)[];
    if (this.#streaming) rest = this.#chunker.finishCuts();
    else if (this.#held && !this.#heldInChunker) {
      // At most the minimum chunk size: one chunk, the held bytes themselves.
      rest = this.#held.length === 1 ? this.#held : [concatBytes(this.#held)];
    } else rest = this.#chunker.finish(); // the chunker's copies are the chunks
    this.#held = undefined;
    for (const chunk of rest) await this.#accept(chunk);
    if (this.#first !== undefined) {
      // The only chunk: its digest is the blob's, just computed.
      this.#upload(this.#first, digest);
      this.#first = undefined;
    }
    try {
      await Promise.all(this.#inflight.splice(0));
    } finally {
      (await this.#stream)?.end();
    }
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
    (await this.#stream?.catch(() => undefined))?.end();
    if (this.#streaming) this.#chunker.finishCuts();
    else this.#chunker.finish();
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
