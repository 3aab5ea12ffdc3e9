/**
 * The BlobService contract (castore-store.md §3.1): bytes by BLAKE3 digest. Writers compute the
 * digest themselves and make a blob visible only once it is complete (and, if the caller said
 * what to expect, verified). Absent blobs are `undefined`, never errors.
 */
import type { B3Digest } from "../model/digest.ts";

/** One storage chunk of a blob, in order. */
export interface ChunkMeta {
  readonly digest: B3Digest;
  readonly size: number;
}

export interface BlobStat {
  /**
   * Only when asked for (`withChunks`). The chunks the blob is stored as; empty means "no finer
   * granularity available" (the blob itself is the only piece).
   */
  readonly chunks?: readonly ChunkMeta[];
}

export type SeekFrom = "start" | "current" | "end";

/**
 * Random-access reader. `read` returns up to `maxBytes` from the current position (empty at
 * EOF); async iteration streams from the current position to the end.
 */
export interface BlobReader extends AsyncIterable<Uint8Array> {
  readonly size: number;
  readonly position: number;
  /** Moves the position; beyond EOF or before 0 is an `invalid-request` error. */
  seek(offset: number, from?: SeekFrom): number;
  read(maxBytes?: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface OpenWriteOptions {
  /**
   * What the caller believes the digest is. If the written bytes hash differently, `close`
   * fails with an `integrity` error and nothing becomes visible.
   */
  readonly expectedDigest?: B3Digest;
  /**
   * How many bytes the caller is about to write, when it knows (a file's size, a tar entry's).
   * Backends may store a small blob differently (without starting worker threads for it).
   */
  readonly sizeHint?: number;
}

export interface WriteOptions {
  /**
   * The caller hands `data` over and will not touch it again, so the writer may keep it instead
   * of copying (a memory store then holds the caller's freshly read buffers as they are).
   */
  readonly transfer?: boolean;
}

export interface BlobWriter {
  /**
   * Whether `transfer` saves this writer a copy (it keeps handed-over buffers). Callers that
   * read into buffers hand over fresh ones only then, and otherwise reuse theirs.
   */
  readonly acceptsTransfer?: boolean;
  /** Adds bytes. Unless `transfer` is set, `data` may be reused by the caller once this resolves. */
  write(data: Uint8Array, options?: WriteOptions): Promise<void>;
  /**
   * Finishes the blob and returns its digest; only now does it become visible. Calling close
   * again returns the same digest (or the same error). Writing after close is an error.
   */
  close(): Promise<B3Digest>;
  /** Discards everything written; nothing becomes visible. */
  abort(): Promise<void>;
}

export interface BlobService {
  has(digest: B3Digest): Promise<boolean>;
  stat(digest: B3Digest, options?: { withChunks?: boolean }): Promise<BlobStat | undefined>;
  openRead(digest: B3Digest): Promise<BlobReader | undefined>;
  openWrite(options?: OpenWriteOptions): BlobWriter;
  /**
   * Stores a blob given whole, as `openWrite`, one `write` and `close` would, with less work
   * per blob (an import has one per small file). Optional: `putBlob` falls back to a writer.
   */
  put?(data: Uint8Array, options?: WriteOptions): Promise<B3Digest>;
  /** Releases resources (database handles, connections). */
  close(): Promise<void>;
}

/** Default size of the pieces readers hand out when streaming. */
export const READ_PIECE_SIZE = 64 * 1024;

/** Stores a blob given whole: `service.put` when it has one, else a writer. */
export function putBlob(
  service: BlobService,
  data: Uint8Array,
  options?: WriteOptions,
): Promise<B3Digest> {
  return service.put ? service.put(data, options) : putThroughWriter(service, data, options);
}

/** Stores a blob given whole through one of the service's writers (aborted on failure). */
export async function putThroughWriter(
  service: Pick<BlobService, "openWrite">,
  data: Uint8Array,
  options?: WriteOptions,
): Promise<B3Digest> {
  const writer = service.openWrite();
  try {
    if (data.length > 0) await writer.write(data, options);
    return await writer.close();
  } catch (e) {
    await writer.abort().catch(() => {});
    throw e;
  }
}
