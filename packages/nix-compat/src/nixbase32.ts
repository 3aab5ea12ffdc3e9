import { NixCompatError } from "./errors.ts";

/**
 * nixbase32: Nix's base-32 encoding. The alphabet omits e, o, t, u; the input is read as a
 * little-endian bit string and printed most-significant group first, so the last character
 * carries the low 5 bits of byte 0.
 */
export const NIXBASE32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";

const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) DECODE[NIXBASE32_ALPHABET.charCodeAt(i)] = i;

export class Nixbase32Error extends NixCompatError {}

export function encodedLength(byteLength: number): number {
  return Math.floor((8 * byteLength + 4) / 5);
}

export function decodedLength(charLength: number): number {
  return Math.floor((5 * charLength) / 8);
}

const ALPHABET_CODES = Array.from(NIXBASE32_ALPHABET, (c) => c.charCodeAt(0));
/** Character codes of one encoding (store-path hashes are 32 characters; hashes up to 103). */
const codes: number[] = [];

export function encode(input: Uint8Array): string {
  const n = input.length;
  const m = encodedLength(n);
  if (m > 512) return encodeLong(input);
  codes.length = m;
  for (let k = m - 1; k >= 0; k--) {
    const b = 5 * k;
    const i = b >> 3;
    const j = b & 7;
    const word = input[i]! | (i + 1 < n ? input[i + 1]! << 8 : 0);
    codes[m - 1 - k] = ALPHABET_CODES[(word >> j) & 31]!;
  }
  // One flat string (concatenating characters would build a rope of `m` pieces).
  return String.fromCharCode.apply(null, codes);
}

function encodeLong(input: Uint8Array): string {
  const n = input.length;
  let out = "";
  for (let k = encodedLength(n) - 1; k >= 0; k--) {
    const b = 5 * k;
    const i = b >> 3;
    const j = b & 7;
    const word = input[i]! | (i + 1 < n ? input[i + 1]! << 8 : 0);
    out += NIXBASE32_ALPHABET[(word >> j) & 31];
  }
  return out;
}

/** True when `c` (a char code) is a nixbase32 digit. */
export function isNixbase32Char(c: number): boolean {
  return c < 128 && DECODE[c]! >= 0;
}

/**
 * Decodes nixbase32, rejecting lengths no encoding produces, characters outside the alphabet
 * (uppercase included) and set bits beyond the decoded length.
 */
export function decode(s: string): Uint8Array {
  const m = s.length;
  const n = decodedLength(m);
  if (encodedLength(n) !== m) {
    throw new Nixbase32Error("invalid-length", `invalid nixbase32 length ${m}`);
  }
  const out = new Uint8Array(n);
  for (let k = 0; k < m; k++) {
    const pos = m - 1 - k;
    const c = s.charCodeAt(pos);
    const digit = c < 128 ? DECODE[c]! : -1;
    if (digit < 0) {
      throw new Nixbase32Error(
        "invalid-character",
        `invalid nixbase32 character ${JSON.stringify(s[pos])} at position ${pos}`,
      );
    }
    const b = 5 * k;
    const i = b >> 3;
    const j = b & 7;
    const v = digit << j;
    out[i]! |= v & 0xff;
    const carry = v >> 8;
    if (carry !== 0) {
      if (i + 1 >= n) {
        throw new Nixbase32Error("trailing-bits", "nixbase32 string has non-zero trailing bits");
      }
      out[i + 1]! |= carry;
    }
  }
  return out;
}

/** Decodes a string that must encode exactly `byteLength` bytes. */
export function decodeFixed(s: string, byteLength: number): Uint8Array {
  if (s.length !== encodedLength(byteLength)) {
    throw new Nixbase32Error(
      "invalid-length",
      `expected ${encodedLength(byteLength)} nixbase32 characters, got ${s.length}`,
    );
  }
  return decode(s);
}
