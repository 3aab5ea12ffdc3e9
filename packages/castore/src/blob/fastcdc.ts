/**
 * FastCDC v2020 content-defined chunking (Xia et al. 2020), producing the same cut points as the
 * `fastcdc` crate's v2020 module that Tvix/Snix use, so chunks deduplicate across
 * implementations. Normalisation level 1 (the crate's default): a stricter mask before the
 * average size and a looser one after it, two bytes rolled per step.
 *
 * The 64-bit gear hash is kept as two uint32 halves (hi, lo): JS numbers cannot do 64-bit
 * wrapping arithmetic, and BigInt would be far too slow in this loop.
 */
import { createHash } from "node:crypto";
import { GEAR_WASM_BASE64 } from "./gear-wasm.ts";

/** Tvix/Snix objectstore defaults (castore-store.md §3.3): min = avg/2, max = 2·avg. */
export const DEFAULT_AVG_CHUNK_SIZE = 256 * 1024;

export interface ChunkSizes {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
}

export function chunkSizesFor(avg: number): ChunkSizes {
  return { min: avg / 2, avg, max: avg * 2 };
}

/**
 * Normalisation masks by number of bits, as published with FastCDC (destor's C reference for
 * 64 B..128 KiB, restic's FastCDC for larger sizes). Bits are spread out rather than contiguous,
 * which the paper found deduplicates slightly better. Stored as [hi, lo] uint32 pairs.
 */
const MASKS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
  [0, 0],
  [0x00000000, 0x01804110],
  [0x00000000, 0x01803110], // 64 B
  [0x00000000, 0x18035100], // 128 B
  [0x00000018, 0x00035300], // 256 B
  [0x00000190, 0x00353000], // 512 B
  [0x00005900, 0x03530000], // 1 KiB
  [0x0000d900, 0x03530000], // 2 KiB
  [0x0000d901, 0x03530000], // 4 KiB
  [0x0000d903, 0x03530000], // 8 KiB
  [0x0000d903, 0x13530000], // 16 KiB
  [0x0000d90f, 0x03530000], // 32 KiB
  [0x0000d903, 0x03537000], // 64 KiB
  [0x0000d907, 0x03537000], // 128 KiB
  [0x0000d907, 0x07537000], // 256 KiB
  [0x0000d917, 0x07537000], // 512 KiB
  [0x0000d917, 0x47537000], // 1 MiB
  [0x0000d917, 0x67537000], // 2 MiB
  [0x0000d937, 0x67537000], // 4 MiB
  [0x0000d937, 0x77537000], // 8 MiB
  [0x0000d937, 0x77577000], // 16 MiB
  [0x0000db37, 0x77577000],
];

/**
 * The gear table: for i in 0..=255, the first 8 bytes (big-endian) of MD5 over 64 bytes of value
 * i — the construction of the FastCDC reference implementation. Derived here instead of pasted.
 * GEAR_LS is the same table shifted left by one bit (paper §3.7, "rolling two bytes").
 */
const GEAR_HI = new Int32Array(256);
const GEAR_LO = new Int32Array(256);
const GEAR_LS_HI = new Int32Array(256);
const GEAR_LS_LO = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const d = createHash("md5").update(new Uint8Array(64).fill(i)).digest();
  const hi = d.readUInt32BE(0);
  const lo = d.readUInt32BE(4);
  GEAR_HI[i] = hi;
  GEAR_LO[i] = lo;
  GEAR_LS_HI[i] = (hi << 1) | (lo >>> 31);
  GEAR_LS_LO[i] = lo << 1;
}

/** First 64-bit gear table entries as bigints, for tests against the published table. */
export function gearEntry(i: number, shifted = false): bigint {
  const hi = (shifted ? GEAR_LS_HI[i]! : GEAR_HI[i]!) >>> 0;
  const lo = (shifted ? GEAR_LS_LO[i]! : GEAR_LO[i]!) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** round(log2(v)), as the crate computes the mask index. */
function log2Round(v: number): number {
  return Math.round(Math.log2(v));
}

/** Precomputed parameters for `cut`. */
export class CutParams {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
  readonly sHi: number;
  readonly sLo: number;
  readonly lHi: number;
  readonly lLo: number;
  readonly sLsHi: number;
  readonly sLsLo: number;
  readonly lLsHi: number;
  readonly lLsLo: number;
  /** The masks as 64-bit values, for the WebAssembly scan. */
  readonly masks: {
    readonly s: bigint;
    readonly sLs: bigint;
    readonly l: bigint;
    readonly lLs: bigint;
  };

  constructor(sizes: ChunkSizes) {
    const { min, avg, max } = sizes;
    if (!(min >= 64 && min <= 1_048_576 && avg >= 256 && avg <= 4_194_304)) {
      throw new RangeError(`invalid FastCDC sizes min=${min} avg=${avg} max=${max}`);
    }
    if (!(max >= 1024 && max <= 16_777_216 && min <= avg && avg <= max)) {
      throw new RangeError(`invalid FastCDC sizes min=${min} avg=${avg} max=${max}`);
    }
    this.min = min;
    this.avg = avg;
    this.max = max;
    const bits = log2Round(avg);
    const [sHi, sLo] = MASKS[bits + 1]!;
    const [lHi, lLo] = MASKS[bits - 1]!;
    this.sHi = sHi;
    this.sLo = sLo;
    this.lHi = lHi;
    this.lLo = lLo;
    this.sLsHi = ((sHi << 1) | (sLo >>> 31)) >>> 0;
    this.sLsLo = (sLo << 1) >>> 0;
    this.lLsHi = ((lHi << 1) | (lLo >>> 31)) >>> 0;
    this.lLsLo = (lLo << 1) >>> 0;
    const big = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    this.masks = {
      s: big(sHi, sLo),
      sLs: big(this.sLsHi, this.sLsLo),
      l: big(lHi, lLo),
      lLs: big(this.lLsHi, this.lLsLo),
    };
  }
}

/** Gear hash at the last cut, for tests against the crate's published (hash, length) pairs. */
export const lastCutHash = { hi: 0, lo: 0 };

/**
 * The exact 64-bit gear hash after `pair` two-byte steps (plus, with `half`, the first byte of
 * the next step), scanning from step `first`. Every step shifts by two bits, so steps more than
 * 32 back have left the 64-bit register: only the last 32 need replaying.
 */
function exactHash(src: Uint8Array, start: number, first: number, pair: number, half: boolean) {
  let hi = 0;
  let lo = 0;
  for (let i = Math.max(first, pair - 32); i < pair; i++) {
    const pos = start + i * 2;
    let b = src[pos]!;
    hi = (hi << 2) | (lo >>> 30);
    lo <<= 2;
    let g = GEAR_LS_LO[b]!;
    let nlo = (lo + g) | 0;
    hi = (hi + GEAR_LS_HI[b]! + (nlo >>> 0 < g >>> 0 ? 1 : 0)) | 0;
    lo = nlo;
    b = src[pos + 1]!;
    g = GEAR_LO[b]!;
    nlo = (lo + g) | 0;
    hi = (hi + GEAR_HI[b]! + (nlo >>> 0 < g >>> 0 ? 1 : 0)) | 0;
    lo = nlo;
  }
  if (half) {
    const b = src[start + pair * 2]!;
    hi = (hi << 2) | (lo >>> 30);
    lo <<= 2;
    const g = GEAR_LS_LO[b]!;
    const nlo = (lo + g) | 0;
    hi = (hi + GEAR_LS_HI[b]! + (nlo >>> 0 < g >>> 0 ? 1 : 0)) | 0;
    lo = nlo;
  }
  lastCutHash.hi = hi >>> 0;
  lastCutHash.lo = lo >>> 0;
  return hi;
}

/**
 * Length of the next chunk of `src[start..end)`. Looks at most `max` bytes ahead, so a streaming
 * caller must hold `max` bytes (or everything up to EOF) before cutting.
 *
 * The scan keeps only the low 32 bits of the hash (wrapping int32 arithmetic: low bits never
 * depend on high ones). Only when those pass the mask's low half — about once in 2^11 bytes —
 * is the full hash rebuilt from the last 64 bytes to check the high half. That halves the work
 * per byte compared with carrying both halves along.
 */
export function cut(src: Uint8Array, start: number, end: number, p: CutParams): number {
  let remaining = end - start;
  lastCutHash.hi = 0;
  lastCutHash.lo = 0;
  if (remaining <= p.min) return remaining;
  let center = p.avg;
  if (remaining > p.max) remaining = p.max;
  else if (remaining < center) center = remaining;

  const first = Math.floor(p.min / 2);
  let lo = 0;
  let index = first;
  // Two phases with different masks; each step rolls two bytes: the first with the shifted table
  // and mask, the second with the plain ones.
  for (let phase = 0; phase < 2; phase++) {
    const limit = Math.floor((phase === 0 ? center : remaining) / 2);
    const mLsHi = (phase === 0 ? p.sLsHi : p.lLsHi) | 0;
    const mLsLo = (phase === 0 ? p.sLsLo : p.lLsLo) | 0;
    const mHi = (phase === 0 ? p.sHi : p.lHi) | 0;
    const mLo = (phase === 0 ? p.sLo : p.lLo) | 0;
    let pos = start + index * 2;
    for (; index < limit; index++, pos += 2) {
      lo = ((lo << 2) + GEAR_LS_LO[src[pos]!]!) | 0;
      if ((lo & mLsLo) === 0 && (exactHash(src, start, first, index, true) & mLsHi) === 0) {
        return index * 2;
      }
      lo = (lo + GEAR_LO[src[pos + 1]!]!) | 0;
      if ((lo & mLo) === 0 && (exactHash(src, start, first, index + 1, false) & mHi) === 0) {
        return index * 2 + 1;
      }
    }
  }
  exactHash(src, start, first, index, false);
  return remaining;
}

/**
 * The window a chunker holds a large blob's bytes in: what is left after the last cut (less
 * than `max`) moves to the front whenever the window is full, so a window of 2·max moved about
 * a third of all bytes once more; with room for a 4 MiB read beyond `max` it is a few percent.
 */
const largeWindow = (max: number) => max + Math.max(max, 4 * 1024 * 1024);

/** Where the chunker's bytes start in a gear instance's memory (after the two tables). */
const DATA = 4096;

/** The few WebAssembly JS-API shapes used here (TypeScript's ES libs do not declare them). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface GearInstance {
  readonly memory: WasmMemory;
  readonly scan: (pos: number, limit: number, hash: bigint, mls: bigint, m: bigint) => number;
  readonly h: { readonly value: unknown };
}

const gearModule = new wasm.Module(Buffer.from(GEAR_WASM_BASE64, "base64"));
/** Instances not in use: a chunker borrows one only while it holds a large blob's bytes. */
const idleGears: GearInstance[] = [];

function borrowGear(bytes: number): GearInstance {
  let g = idleGears.pop();
  if (!g) {
    const exports = new wasm.Instance(gearModule).exports;
    g = {
      memory: exports.memory as WasmMemory,
      scan: exports.scan as GearInstance["scan"],
      h: exports.h as GearInstance["h"],
    };
    // The tables as little-endian 64-bit values: low half first.
    const words = new Int32Array(g.memory.buffer, 0, 1024);
    for (let i = 0; i < 256; i++) {
      words[i * 2] = GEAR_LO[i]!;
      words[i * 2 + 1] = GEAR_HI[i]!;
      words[512 + i * 2] = GEAR_LS_LO[i]!;
      words[512 + i * 2 + 1] = GEAR_LS_HI[i]!;
    }
  }
  const need = DATA + bytes - g.memory.buffer.byteLength;
  if (need > 0) g.memory.grow(Math.ceil(need / 65536));
  return g;
}

function returnGear(g: GearInstance): void {
  if (idleGears.length < 8) idleGears.push(g);
}

/** `cut` for bytes at `[start, end)` of a gear instance's data area, scanned by WebAssembly. */
function cutWasm(g: GearInstance, start: number, end: number, p: CutParams): number {
  let remaining = end - start;
  if (remaining <= p.min) return remaining;
  let center = p.avg;
  if (remaining > p.max) remaining = p.max;
  else if (remaining < center) center = remaining;
  const base = DATA + start;
  const first = Math.floor(p.min / 2);
  const limit0 = Math.floor(center / 2);
  let at = g.scan(base + first * 2, base + limit0 * 2, 0n, p.masks.sLs, p.masks.s);
  if (at >= 0) return at - base;
  const hash = g.h.value as bigint;
  const from = Math.max(first, limit0);
  at = g.scan(base + from * 2, base + Math.floor(remaining / 2) * 2, hash, p.masks.lLs, p.masks.l);
  if (at >= 0) return at - base;
  return remaining;
}

/** A chunk's own copy of `buf[start, start+len)`, in memory from `alloc`. */
function copyOut(
  buf: Uint8Array,
  start: number,
  len: number,
  alloc: (len: number) => Uint8Array,
): Uint8Array {
  const out = alloc(len);
  out.set(buf.subarray(start, start + len));
  return out;
}

/** Memory of its own (so it can be transferred), not zeroed first as `slice` would. */
const freshBytes = (len: number) => new Uint8Array(Buffer.allocUnsafeSlow(len).buffer, 0, len);

/**
 * Streaming chunker: push arbitrary pieces, get back complete chunks (copies). Holds at most
 * `max` bytes plus the latest piece, so memory stays bounded whatever the input size.
 */
export class StreamChunker {
  readonly #p: CutParams;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  /** Set while the buffer lives in a WebAssembly instance's memory (blobs of ≥ max bytes). */
  #gear: GearInstance | undefined;

  /** Inputs of at most this many bytes in all are one chunk (FastCDC never cuts below min). */
  get min(): number {
    return this.#p.min;
  }

  constructor(sizes: ChunkSizes = chunkSizesFor(DEFAULT_AVG_CHUNK_SIZE)) {
    this.#p = new CutParams(sizes);
    // Grown on demand (up to 2·max): most blobs are small, and a writer per small file must not
    // cost a megabyte of zeroed memory.
    this.#buf = new Uint8Array(0);
  }

  /** Largest chunk. */
  get max(): number {
    return this.#p.max;
  }

  /** Takes the next bytes; returns the chunks now complete, copied into memory from `alloc`. */
  push(data: Uint8Array, alloc: (len: number) => Uint8Array = freshBytes): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.#push(data, (start, len) => out.push(copyOut(this.#buf, start, len, alloc)));
    return out;
  }

  #push(data: Uint8Array, emit: (start: number, len: number) => void): void {
    let off = 0;
    while (off < data.length) {
      // Make room: compact, or grow if the live region plus this piece does not fit.
      if (this.#end === this.#buf.length) {
        const live = this.#end - this.#start;
        const window = largeWindow(this.#p.max);
        if (this.#start > 0 && this.#buf.length >= window) {
          this.#buf.copyWithin(0, this.#start, this.#end);
        } else {
          const want = Math.min(
            Math.max(live + (data.length - off), this.#buf.length * 2, 4096),
            window,
          );
          let bigger: Uint8Array;
          if (want >= this.#p.max) {
            // Large blob: from now on the bytes live where the WebAssembly scan can see them.
            this.#gear = borrowGear(window);
            bigger = new Uint8Array(this.#gear.memory.buffer, DATA, window);
          } else {
            bigger = new Uint8Array(want);
          }
          bigger.set(this.#buf.subarray(this.#start, this.#end));
          this.#buf = bigger;
        }
        this.#start = 0;
        this.#end = live;
      }
      const n = Math.min(data.length - off, this.#buf.length - this.#end);
      this.#buf.set(data.subarray(off, off + n), this.#end);
      this.#end += n;
      off += n;
      // Cut only with a full window of `max` bytes ahead, exactly as the crate's StreamCDC.
      while (this.#end - this.#start >= this.#p.max) {
        const len = this.#cut();
        emit(this.#start, len);
        this.#start += len;
      }
    }
  }

  /** Remaining chunks at end of input. */
  finish(alloc: (len: number) => Uint8Array = freshBytes): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.#finish((start, len) => out.push(copyOut(this.#buf, start, len, alloc)));
    return out;
  }

  #finish(emit: (start: number, len: number) => void): void {
    while (this.#end > this.#start) {
      const len = this.#cut();
      emit(this.#start, len);
      this.#start += len;
    }
    this.#start = 0;
    this.#end = 0;
    if (this.#gear) {
      returnGear(this.#gear);
      this.#gear = undefined;
      this.#buf = new Uint8Array(0);
    }
  }

  #cut(): number {
    return this.#gear
      ? cutWasm(this.#gear, this.#start, this.#end, this.#p)
      : cut(this.#buf, this.#start, this.#end, this.#p);
  }
}
