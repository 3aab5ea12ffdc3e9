/**
 * Fast conversions between byte strings (code units 0..255) and bytes for whole `.drv` files:
 * pure-ASCII input (the common case) goes through the native UTF-8 codec, which is exact for
 * ASCII; anything else takes the byte-by-byte latin1 path.
 */
import { latin1Decode, latin1Encode } from "../bytes.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8");
const NON_ASCII = /[^\x00-\x7f]/;

export function byteStringToBytes(s: string): Uint8Array {
  return NON_ASCII.test(s) ? latin1Encode(s) : encoder.encode(s);
}

export function bytesToByteString(b: Uint8Array): string {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return latin1Decode(b);
  return decoder.decode(b);
}
