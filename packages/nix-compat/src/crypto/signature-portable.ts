import { ed25519 } from "@noble/curves/ed25519.js";
import type { SignatureProvider } from "./provider.ts";
import { passesStrictChecks } from "./strict.ts";

/** Pure-JS Ed25519 for hosts without `node:crypto` (browsers, workers). */
export const signatureProvider: SignatureProvider = {
  name: "portable",
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
