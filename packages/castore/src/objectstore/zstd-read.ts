/**
 * Reading stored zstd objects (the other half of zstd.ts). `zstdDecompress` per object creates
 * a zstd context and a large output buffer each time, which cost several times the
 * decompression itself (334 MiB/s on incompressible 256 KiB chunks, GC a quarter of the
 * profile). Here:
 *
 * - The frame's block headers are walked first (a few per chunk; RFC 8878 §3.1.1). A frame that
 *   holds only Raw and RLE blocks, as zstd writes for incompressible data, is "decompressed" by
 *   copying those blocks out, without zlib.
 * - Other well-formed single frames go through a few long-lived decompression streams (one
 *   context each, reused frame after frame).
 * - Anything else (several frames, skippable frames, dictionaries, a malformed header) goes to
 *   one-shot `zstdDecompress`, which reports the error as before.
 *
 * Nothing here is a substitute for the caller's check: the content checksum a frame may carry
 * is not verified on the copy path, because every caller verifies the output against its BLAKE3
 * digest (a stronger check of the same bytes) before using it.
 *
 * Every path stops at `MAX_CHUNK` bytes of output: a stored object of a few KiB can otherwise
 * claim gigabytes (an RLE block is 4 bytes), which would all be allocated before the digest
 * check could reject them.
 */
import { promisify } from "node:util";
import { createZstdDecompress, type ZstdDecompress, zstdDecompress } from "node:zlib";

const decompressOnce = promisify(zstdDecompress);
/** Output buffer size for the zlib paths: a chunk (up to 512 KiB by default) in one piece. */
const OUTPUT = 1024 * 1024;

const MAGIC = 0xfd2fb528;
/**
 * No block is larger than Block_Maximum_Size, min(Window_Size, this) (RFC 8878 §3.1.1.2); zstd
 * rejects larger ones.
 */
const MAX_BLOCK = 128 * 1024;
/**
 * The largest Window_Size zstd's decoder takes unless told otherwise (its
 * ZSTD_WINDOWLOG_LIMIT_DEFAULT, which zlib leaves as it is): it fails frames with larger ones
 * ("Frame requires too much memory for decoding").
 */
const MAX_WINDOW = 2 ** 27;

/**
 * The most a stored chunk decompresses to: FastCDC's largest `max` (CutParams in fastcdc.ts, as
 * the fastcdc crate's MAXIMUM_MAX). No chunk this store or Tvix writes is larger.
 */
export const MAX_CHUNK = 16 * 1024 * 1024;

/** The error for output beyond `limit`; callers report it as they report invalid zstd. */
function tooLarge(limit: number, cause?: unknown): Error {
  return new Error(`zstd object decompresses to more than ${limit} bytes`, { cause });
}

interface Block {
  readonly type: 0 | 1 | 2; // Raw, RLE, Compressed
  readonly start: number; // offset of the block's content in the frame
  readonly size: number; // Block_Size (for RLE: the regenerated size; content is one byte)
}

interface FrameShape {
  readonly blocks: Block[];
  /** Output size when the frame only has Raw and RLE blocks; -1 otherwise. */
  readonly plainSize: number;
  /** Frame_Content_Size when the header carries it, else -1. */
  readonly contentSize: number;
}

/** Window_Size from a Window_Descriptor byte (RFC 8878 §3.1.1.1). */
function windowSize(descriptor: number): number {
  const base = 2 ** (10 + (descriptor >> 3));
  return base + (base / 8) * (descriptor & 7);
}

/**
 * The blocks of `data` if it is exactly one zstd frame without a dictionary, else undefined
 * (the caller then leaves it to zlib). Whatever zstd would reject is undefined too, so that
 * zlib reports it: a frame is only copied out here when zstd would decode it the same (but for
 * the checksum, see above).
 */
export function frameShape(data: Uint8Array): FrameShape | undefined {
  const n = data.length;
  if (n < 6) return undefined;
  const magic = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
  if (magic !== MAGIC) return undefined;
  const fhd = data[4]!;
  if (fhd & 0x08) return undefined; // reserved bit
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const checksum = (fhd >> 2) & 1;
  if ((fhd & 3) !== 0) return undefined; // dictionary id present
  let pos = 5 + (singleSegment ? 0 : 1);
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (pos + fcsBytes > n) return undefined;
  let contentSize = -1;
  if (fcsBytes === 1) contentSize = data[pos]!;
  else if (fcsBytes === 2) contentSize = (data[pos]! | (data[pos + 1]! << 8)) + 256;
  else if (fcsBytes === 4) {
    contentSize =
      (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
  } else if (fcsBytes === 8) {
    const lo =
      (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
    const hi =
      (data[pos + 4]! | (data[pos + 5]! << 8) | (data[pos + 6]! << 16) | (data[pos + 7]! << 24)) >>>
      0;
    if (hi >= 0x200000) return undefined; // beyond safe integers: not ours to handle
    contentSize = hi * 2 ** 32 + lo;
  }
  pos += fcsBytes;
  // A single-segment frame's window is its content; no block may exceed the window.
  const window = singleSegment ? contentSize : windowSize(data[5]!);
  if (window > MAX_WINDOW) return undefined;
  const blockMax = Math.min(window, MAX_BLOCK);
  const blocks: Block[] = [];
  let plainSize = 0;
  for (;;) {
    if (pos + 3 > n) return undefined;
    const h = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
    pos += 3;
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) return undefined;
    // Block_Size (for RLE the regenerated size, for Compressed the stored one) is bounded:
    // zstd reports "Data corruption detected" for larger blocks.
    if (size > blockMax) return undefined;
    const stored = type === 1 ? 1 : size;
    if (pos + stored > n) return undefined;
    blocks.push({ type: type as 0 | 1 | 2, start: pos, size });
    if (type === 2) plainSize = -1;
    else if (plainSize >= 0) plainSize += size;
    pos += stored;
    if (last) break;
  }
  if (pos + 4 * checksum !== n) return undefined; // trailing bytes: more frames, or garbage
  return { blocks, plainSize, contentSize };
}

/** A long-lived decompression stream, fed one whole frame at a time. */
class FrameDecompressor {
  readonly #stream: ZstdDecompress;
  #parts: Buffer[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  failed = false;
  /** Output of the frame in flight so far, and how much it may have. */
  #produced = 0;
  #limit = 0;

  constructor() {
    this.#stream = createZstdDecompress({ chunkSize: OUTPUT });
    this.#stream.on("data", (d: Buffer) => this.#take(d));
    // Do not rely on the write callback after an error: settle the frame in flight here.
    this.#stream.on("error", (e) => this.#abort(e));
  }

  /** Rejects the frame in flight (set while one is). */
  #fail: ((e: Error) => void) | undefined;

  #abort(e: Error): void {
    this.failed = true;
    const fail = this.#fail;
    this.#fail = undefined;
    fail?.(e);
  }

  #take(d: Buffer): void {
    this.#produced += d.length;
    if (this.#produced <= this.#limit) {
      this.#parts.push(d);
      return;
    }
    // Too much: zlib looks for a destroyed stream after each piece of output and stops there,
    // so no more of the frame is decompressed (nor the stream used again).
    this.#parts = [];
    this.#stream.destroy();
    this.#abort(tooLarge(this.#limit));
  }

  decompress(frame: Uint8Array, limit: number): Promise<Uint8Array> {
    const run = this.#queue.then(
      () =>
        new Promise<Uint8Array>((resolve, reject) => {
          if (this.failed) return reject(new Error("zstd decompressor failed"));
          this.#fail = reject;
          this.#produced = 0;
          this.#limit = limit;
          // The write callback runs once zlib has consumed all of the frame and pushed all
          // the output it produced; a whole frame leaves the context ready for the next one.
          this.#stream.write(frame, (e) => {
            this.#fail = undefined;
            const parts = this.#parts;
            this.#parts = [];
            if (e || this.failed) {
              this.failed = true;
              return reject(e ?? new Error("zstd decompression failed"));
            }
            const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
            resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
          });
        }),
    );
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** Two streams, as for compression: both cores busy next to the main thread. */
const POOL_SIZE = 2;
const pool: FrameDecompressor[] = [];
let turn = 0;

function pooled(frame: Uint8Array, limit: number): Promise<Uint8Array> {
  const i = turn++ % POOL_SIZE;
  let d = pool[i];
  if (!d || d.failed) {
    d = new FrameDecompressor();
    pool[i] = d;
  }
  return d.decompress(frame, limit);
}

/**
 * The bytes of a frame made of Raw and RLE blocks only. With `inPlace` (the caller owns `data`
 * and is done with it) and Raw blocks only, the blocks are moved to the front of `data` instead
 * of into a new buffer: each block only moves left, past the headers before it.
 */
function copyBlocks(data: Uint8Array, shape: FrameShape, inPlace: boolean): Uint8Array {
  if (inPlace && shape.blocks.every((b) => b.type === 0)) {
    let o = 0;
    for (const b of shape.blocks) {
      data.copyWithin(o, b.start, b.start + b.size);
      o += b.size;
    }
    return data.subarray(0, o);
  }
  const out = new Uint8Array(Buffer.allocUnsafeSlow(shape.plainSize).buffer, 0, shape.plainSize);
  let o = 0;
  for (const b of shape.blocks) {
    if (b.type === 0) out.set(data.subarray(b.start, b.start + b.size), o);
    else out.fill(data[b.start]!, o, o + b.size);
    o += b.size;
  }
  return out;
}

/**
 * One-shot decompression with a fresh context (the fallback; also reports malformed input),
 * of at most `limit` bytes.
 */
export async function zstdDecompressFresh(
  data: Uint8Array,
  limit = MAX_CHUNK,
): Promise<Uint8Array> {
  let out: Buffer;
  try {
    out = await decompressOnce(data, { chunkSize: OUTPUT, maxOutputLength: limit });
  } catch (e) {
    // zlib reports output beyond `maxOutputLength` as a RangeError about Buffer sizes.
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(limit, e);
    throw e;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Decompresses a stored object of at most `limit` bytes (default `MAX_CHUNK`; with `inPlace`,
 * the caller gives up `data`: the result may be a view of it). `fresh` says whether a fresh
 * context was used (callers that find the output does not match its digest retry with
 * `zstdDecompressFresh` when it was not, so a reused context can never turn a good object into
 * an integrity error).
 */
export async function zstdDecompressObject(
  data: Uint8Array,
  options: { readonly inPlace?: boolean; readonly limit?: number } = {},
): Promise<{ data: Uint8Array; fresh: boolean }> {
  const limit = options.limit ?? MAX_CHUNK;
  const shape = frameShape(data);
  // A frame that says it holds too much fails before anything is decompressed (a frame whose
  // blocks disagree with its content size would fail in zlib anyway).
  if (shape && (shape.contentSize > limit || shape.plainSize > limit)) throw tooLarge(limit);
  if (shape && shape.plainSize >= 0) {
    if (shape.contentSize < 0 || shape.contentSize === shape.plainSize) {
      return { data: copyBlocks(data, shape, options.inPlace === true), fresh: true };
    }
  } else if (shape) {
    try {
      return { data: await pooled(data, limit), fresh: false };
    } catch {
      // fall through: the fresh context reports the error (or succeeds)
    }
  }
  return { data: await zstdDecompressFresh(data, limit), fresh: true };
}
