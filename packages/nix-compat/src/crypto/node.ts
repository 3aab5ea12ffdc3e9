import { createHash, createPrivateKey, createPublicKey, hash, sign, verify } from "node:crypto";
import type { CryptoProvider, HashAlgo, Hasher } from "./provider.ts";
import { passesStrictChecks } from "./strict.ts";

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
}

function privateKey(seed: Uint8Array) {
  // PKCS#8 DER prefix for an Ed25519 private key followed by the 32-byte seed.
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: "der", type: "pkcs8" });
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * A byte string as `hash` input: ASCII strings as they are (their UTF-8 is their bytes, and
 * Node encodes them outside the JS heap); others as latin1, the byte string's own encoding.
 * Derivation ATerms are hashed this way tens of thousands of times per evaluation.
 */
function byteStringData(s: string): string | Buffer {
  return NON_ASCII.test(s) ? Buffer.from(s, "latin1") : s;
}

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export const cryptoProvider: CryptoProvider = {
  name: "node:crypto",
  createHasher(algo: HashAlgo): Hasher {
    const h = createHash(algo);
    return {
      update(data) {
        h.update(data);
      },
      digest() {
        return toU8(h.digest());
      },
    };
  },
  digest(algo, data) {
    // crypto.hash (one-shot) skips the Hash object that createHash allocates per call.
    return toU8(hash(algo, data, "buffer"));
  },
  digestHex(algo, data) {
    return hash(algo, data, "hex");
  },
  digestUtf8ByteString(algo, s) {
    return hash(algo, s, "binary"); // latin1
  },
  digestByteString(algo, s) {
    return toU8(hash(algo, byteStringData(s), "buffer"));
  },
  digestByteStringHex(algo, s) {
    return hash(algo, byteStringData(s), "hex");
  },
  digestUtf8(algo, s) {
    return toU8(hash(algo, s, "buffer"));
  },
  ed25519PublicKey(seed) {
    const jwk = createPublicKey(privateKey(seed)).export({ format: "jwk" });
    return toU8(Buffer.from(jwk.x as string, "base64url"));
  },
  ed25519Sign(seed, message) {
    return toU8(sign(null, message, privateKey(seed)));
  },
  ed25519Verify(publicKey, message, signature) {
    if (!passesStrictChecks(publicKey, signature)) return false;
    try {
      const key = createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: b64url(publicKey) },
        format: "jwk",
      });
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};
