/**
 * Byte strings: Nix strings are bytes, not Unicode. tvix-ts represents them as JS strings whose
 * code units are the bytes 0..255, so lengths, slicing, comparison and hashing are byte-exact.
 * These helpers convert between byte strings, byte arrays and (UTF-8) text.
 */

const CHUNK = 8192;
const asciiDecoder = new TextDecoder("utf-8");

/** The bytes `b[start..end)` as a byte string. */
export function bytesToByteString(b: Uint8Array, start = 0, end = b.length): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n <= 16) {
    // Short strings (identifiers, most literals): a loop beats creating a subarray view.
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
    return s;
  }
  // ASCII (the usual case) decodes fastest natively, and UTF-8 agrees with byte strings on it.
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (b[i] > 127) {
      ascii = false;
      break;
    }
  }
  if (ascii) return asciiDecoder.decode(b.subarray(start, end));
  if (n <= CHUNK)
    return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
  const parts: string[] = [];
  for (let i = start; i < end; i += CHUNK) {
    const j = Math.min(end, i + CHUNK);
    parts.push(String.fromCharCode.apply(null, b.subarray(i, j) as unknown as number[]));
  }
  return parts.join("");
}

/** A byte string's bytes (each code unit must be < 256). */
export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a JS (Unicode) string, e.g. an expression given on the command line. */
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The byte string of a Unicode JS string's UTF-8 encoding. */
export function utf8ToByteString(s: string): string {
  // Pure ASCII is already its own byte string.
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  return ascii ? s : bytesToByteString(utf8Encode(s));
}
