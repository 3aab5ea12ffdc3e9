import { ed25519 } from "@noble/curves/ed25519.js";
import { md5, sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import type { CryptoProvider, HashAlgo, Hasher } from "./provider.ts";
import { passesStrictChecks } from "./strict.ts";

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
  ed25519PublicKey(seed) {
    return ed25519.getPublicKey(seed);
  },
  ed25519Sign(seed, message) {
    return ed25519.sign(message, seed);
  },
  ed25519Verify(publicKey, message, signature) {
    if (!passesStrictChecks(publicKey, signature)) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};
