import { cryptoProvider } from "#crypto";
import type { HashAlgo, Hasher } from "./provider.ts";

export type { CryptoProvider, HashAlgo, Hasher } from "./provider.ts";
export { cryptoProvider };

export function createHasher(algo: HashAlgo): Hasher {
  return cryptoProvider.createHasher(algo);
}

/** One-shot digest of `data`. */
export function digest(algo: HashAlgo, ...data: Uint8Array[]): Uint8Array {
  const h = cryptoProvider.createHasher(algo);
  for (const d of data) h.update(d);
  return h.digest();
}
