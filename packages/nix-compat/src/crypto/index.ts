import { cryptoProvider } from "#crypto";
import { latin1Decode, toHex, utf8Encode } from "../bytes.ts";
import type { HashAlgo, Hasher } from "./provider.ts";

export type { CryptoProvider, HashAlgo, Hasher } from "./provider.ts";
export { cryptoProvider };

export function createHasher(algo: HashAlgo): Hasher {
  return cryptoProvider.createHasher(algo);
}

/** One-shot digest of `data`. */
export function digest(algo: HashAlgo, ...data: Uint8Array[]): Uint8Array {
  if (data.length === 1 && cryptoProvider.digest !== undefined)
    return cryptoProvider.digest(algo, data[0]!);
  const h = cryptoProvider.createHasher(algo);
  for (const d of data) h.update(d);
  return h.digest();
}

/** `digest` of one buffer as lowercase hex. */
export function digestHex(algo: HashAlgo, data: Uint8Array): string {
  if (cryptoProvider.digestHex !== undefined) return cryptoProvider.digestHex(algo, data);
  return toHex(digest(algo, data));
}

/** One-shot digest of a byte string (code units 0..255, one byte each). */
export function digestByteString(algo: HashAlgo, s: string): Uint8Array {
  if (cryptoProvider.digestByteString !== undefined)
    return cryptoProvider.digestByteString(algo, s);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return digest(algo, b);
}

/** `digestByteString` as lowercase hex (no intermediate bytes where the host can avoid them). */
export function digestByteStringHex(algo: HashAlgo, s: string): string {
  if (cryptoProvider.digestByteStringHex !== undefined)
    return cryptoProvider.digestByteStringHex(algo, s);
  return toHex(digestByteString(algo, s));
}

/** `digestUtf8` as a byte string: one code unit (0..255) per digest byte. */
export function digestUtf8ByteString(algo: HashAlgo, s: string): string {
  if (cryptoProvider.digestUtf8ByteString !== undefined)
    return cryptoProvider.digestUtf8ByteString(algo, s);
  return latin1Decode(digestUtf8(algo, s));
}

/** One-shot digest of the UTF-8 encoding of `s`. */
export function digestUtf8(algo: HashAlgo, s: string): Uint8Array {
  if (cryptoProvider.digestUtf8 !== undefined) return cryptoProvider.digestUtf8(algo, s);
  return digest(algo, utf8Encode(s));
}
