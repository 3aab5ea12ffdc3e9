import { md5, sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import type { CryptoProvider, HashAlgo, Hasher } from "./provider.ts";

/** Pure-JS provider for hosts without `node:crypto` (browsers, workers). */
const constructors = { md5, sha1, sha256, sha512 } as const;

export const cryptoProvider: CryptoProvider = {
  name: "portable",
  createHasher(algo: HashAlgo): Hasher {
    const h = constructors[algo].create();
    return {
      update(data) {
        h.update(data);
      },
      digest() {
        return h.digest();
      },
    };
  },
};
