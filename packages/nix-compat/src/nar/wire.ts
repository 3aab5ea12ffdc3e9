/**
 * NAR wire format (spec §3.1): every token is a little-endian u64 length, the bytes, and zero
 * padding to a multiple of 8. Fixed token sequences are pre-encoded so the writer copies them in
 * one go, and the limits shared by reader and writer live here.
 */
import { concatBytes, utf8Encode } from "../bytes.ts";

/** Longest entry name (bytes), as in Tvix and current CppNix. */
export const MAX_NAME_LEN = 255;
/** Longest symlink target (bytes), as in Tvix and current CppNix. */
export const MAX_TARGET_LEN = 4095;
/** Default maximum nesting depth of the reader: current CppNix's `narMaxDepth`. */
export const DEFAULT_MAX_DEPTH = 64;
/** Largest file size we handle: lengths are carried as JS numbers. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;

/** Number of zero bytes that follow `n` bytes of payload. */
export function padLength(n: number): number {
  return (8 - (n & 7)) & 7;
}

/** Writes `n` as a little-endian u64 at `out[o..o+8]`. `n` must be a safe non-negative integer. */
export function writeU64(out: Uint8Array, o: number, n: number): void {
  const lo = n >>> 0;
  const hi = Math.floor(n / 0x1_0000_0000) >>> 0;
  out[o] = lo & 0xff;
  out[o + 1] = (lo >>> 8) & 0xff;
  out[o + 2] = (lo >>> 16) & 0xff;
  out[o + 3] = lo >>> 24;
  out[o + 4] = hi & 0xff;
  out[o + 5] = (hi >>> 8) & 0xff;
  out[o + 6] = (hi >>> 16) & 0xff;
  out[o + 7] = hi >>> 24;
}

/**
 * Reads a little-endian u64 at `b[o..o+8]`. Returns -1 when it exceeds `Number.MAX_SAFE_INTEGER`
 * (callers treat that as "too large"), so a huge length never turns into a huge allocation.
 */
export function readU64(b: Uint8Array, o: number): number {
  const lo = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  const hi = (b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24)) >>> 0;
  if (hi > 0x1f_ffff) return -1;
  return hi * 0x1_0000_0000 + lo;
}

/** The framed encoding of one string: length, bytes, padding. */
export function encodeString(s: Uint8Array | string): Uint8Array {
  const b = typeof s === "string" ? utf8Encode(s) : s;
  const out = new Uint8Array(8 + b.length + padLength(b.length));
  writeU64(out, 0, b.length);
  out.set(b, 8);
  return out;
}

function tokens(...words: string[]): Uint8Array {
  return concatBytes(words.map(encodeString));
}

/** `nix-archive-1` `(` `type`: the first 56 bytes of every NAR. */
export const TOK_NAR = tokens("nix-archive-1", "(", "type");
/** `symlink` `target` */
export const TOK_SYM = tokens("symlink", "target");
/** `regular` `contents` */
export const TOK_REG = tokens("regular", "contents");
/** `regular` `executable` `` `contents` */
export const TOK_EXE = tokens("regular", "executable", "", "contents");
/** `directory` */
export const TOK_DIR = tokens("directory");
/** `entry` `(` `name` */
export const TOK_ENT = tokens("entry", "(", "name");
/** `node` `(` `type` */
export const TOK_NOD = tokens("node", "(", "type");
/** `)` */
export const TOK_PAR = tokens(")");
/** Two `)`: closes an entry's node and then the entry. */
export const TOK_PAR_PAR = tokens(")", ")");

/** Why `name` cannot be a NAR entry name, or undefined when it is fine. */
export function invalidNameReason(name: Uint8Array): string | undefined {
  const n = name.length;
  if (n === 0) return "entry name is empty";
  if (n > MAX_NAME_LEN) return `entry name is longer than ${MAX_NAME_LEN} bytes`;
  if (name[0] === 0x2e && (n === 1 || (n === 2 && name[1] === 0x2e)))
    return `entry name is '${n === 1 ? "." : ".."}'`;
  for (let i = 0; i < n; i++) {
    const c = name[i]!;
    if (c === 0x2f) return "entry name contains '/'";
    if (c === 0) return "entry name contains a NUL byte";
  }
  return undefined;
}

/** Why `target` cannot be a symlink target, or undefined when it is fine. */
export function invalidTargetReason(target: Uint8Array): string | undefined {
  if (target.length === 0) return "symlink target is empty";
  if (target.length > MAX_TARGET_LEN)
    return `symlink target is longer than ${MAX_TARGET_LEN} bytes`;
  if (target.indexOf(0) !== -1) return "symlink target contains a NUL byte";
  return undefined;
}

/** A short printable rendering of bytes for error messages (JSON-quoted, or hex when binary). */
export function describeBytes(b: Uint8Array, max = 64): string {
  const shown = b.subarray(0, max);
  let printable = true;
  for (const c of shown) if (c < 0x20 || c > 0x7e) printable = false;
  const more = b.length > max ? "..." : "";
  if (printable) return `${JSON.stringify(String.fromCharCode(...shown))}${more}`;
  let hex = "";
  for (const c of shown) hex += c.toString(16).padStart(2, "0");
  return `0x${hex}${more}`;
}
