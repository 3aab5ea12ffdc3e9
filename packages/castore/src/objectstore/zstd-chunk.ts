/**
 * The stored form of a chunk, made synchronously (for the chunk-store worker, where a blocking
 * call is what we want). Each chunk is one zstd frame (castore-store.md §3.3), but incompressible
 * chunks — most of a large file that is already compressed — are not run through the
 * compressor: zstd would emit Raw blocks for them anyway, after spending most of the import's
 * CPU time finding that out. Whether a chunk is incompressible is judged from the byte entropy
 * of samples of it; those frames are built here directly (RFC 8878: a frame header with
 * the content size, then Raw blocks of at most 128 KiB), and any zstd decoder reads them.
 */
import { constants, zstdCompressSync } from "node:zlib";

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Frame_Header_Descriptor: 4-byte Frame_Content_Size, Single_Segment, no checksum or dict. */
const FHD = 0xa0;
/** Block_Maximum_Size: a Raw block holds at most 128 KiB. */
const MAX_BLOCK = 128 * 1024;

/**
 * `data` as one zstd frame of Raw blocks, as the pieces to write (headers between views of
 * `data`, which is not copied).
 */
export function rawZstdFrame(data: Uint8Array): Uint8Array[] {
  const n = data.length;
  const blocks = Math.max(1, Math.ceil(n / MAX_BLOCK));
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(9 + 3);
  header.set(MAGIC, 0);
  header[4] = FHD;
  header[5] = n & 0xff;
  header[6] = (n >>> 8) & 0xff;
  header[7] = (n >>> 16) & 0xff;
  header[8] = (n >>> 24) & 0xff;
  let head = header;
  let at = 9;
  for (let b = 0; b < blocks; b++) {
    const start = b * MAX_BLOCK;
    const size = Math.min(MAX_BLOCK, n - start);
    // Block_Header (little-endian 24 bits): Last_Block, Block_Type 0 (Raw), Block_Size.
    const h = (size << 3) | (b === blocks - 1 ? 1 : 0);
    head[at] = h & 0xff;
    head[at + 1] = (h >>> 8) & 0xff;
    head[at + 2] = (h >>> 16) & 0xff;
    parts.push(head);
    if (size > 0) parts.push(data.subarray(start, start + size));
    head = new Uint8Array(3);
    at = 0;
  }
  return parts;
}

/** Chunks smaller than this are always compressed (too few bytes to judge). */
const SMALLEST = 1024;
/** Chunks up to this size are judged by all of their bytes, larger ones by samples. */
const SAMPLED = 16 * 1024;
const SAMPLES = 4;
const SAMPLE = 4 * 1024;
/**
 * Bits per byte above which bytes count as incompressible. Uniformly random bytes measure
 * about 8.0 (with the small-sample correction below); already-compressed data (gzip, xz, zstd,
 * JPEG) 7.95–8.0; text, code and machine code well below 7.
 */
const RANDOM_BITS = 7.9;
const counts = new Uint32Array(256);

const LEVEL = 1;

function compress(data: Uint8Array): Uint8Array {
  // One output buffer large enough for any result (ZSTD_compressBound plus headers): the
  // default 16 KiB pieces would be concatenated afterwards.
  const out = zstdCompressSync(data, {
    chunkSize: Math.max(1024, data.length + (data.length >>> 7) + 1024),
    params: { [constants.ZSTD_c_compressionLevel]: LEVEL },
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Whether `data` looks incompressible: the byte entropy of it (of evenly spread samples of a
 * large chunk) is close to 8 bits, so no entropy coder gains anything. (zstd could still find repeats of such bytes
 * within the chunk, e.g. the same compressed file twice within 256 KiB; such a rare chunk is
 * then stored uncompressed, still as a valid frame.) Measuring costs a few microseconds;
 * compressing incompressible data at level 1 costs about 0.8 s per GiB.
 */
export function looksIncompressible(data: Uint8Array): boolean {
  if (data.length < SMALLEST) return false;
  counts.fill(0);
  let n: number;
  if (data.length <= SAMPLED) {
    for (let p = 0; p < data.length; p++) counts[data[p]!]!++;
    n = data.length;
  } else {
    const step = Math.floor((data.length - SAMPLE) / (SAMPLES - 1));
    for (let i = 0; i < SAMPLES; i++) {
      for (let p = i * step, end = p + SAMPLE; p < end; p++) counts[data[p]!]!++;
    }
    n = SAMPLES * SAMPLE;
  }
  let bits = 0;
  let seen = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b]!;
    if (c > 0) {
      bits -= c * Math.log2(c / n);
      seen++;
    }
  }
  // Miller–Madow: the plain estimate falls short by about (values seen - 1) / (2n ln 2), which
  // for a few KiB of random bytes is a tenth of a bit or more.
  return bits / n + (seen - 1) / (2 * n * Math.LN2) >= RANDOM_BITS;
}

/** The stored form of a chunk: one zstd frame, as pieces to write in order. */
export function encodeChunkSync(data: Uint8Array): Uint8Array[] {
  if (looksIncompressible(data)) return rawZstdFrame(data);
  return [compress(data)];
}

/**
 * Chunks of at most this many bytes fit, as a Raw-block frame (12 bytes of headers), in one
 * 4 KiB filesystem block, as small as their file can be: compressing them saves no space.
 */
const ONE_BLOCK = 4096 - 12;

/**
 * `encodeChunkSync` for a chunk stored as its own file: one that fits in one filesystem block
 * either way is framed as it is, without judging or compressing it (an import of small files
 * stores a chunk per file).
 */
export function encodeChunkFileSync(data: Uint8Array): Uint8Array[] {
  return data.length <= ONE_BLOCK ? rawZstdFrame(data) : encodeChunkSync(data);
}
