import type * as NodeCrypto from "node:crypto";
import type { CryptoProvider, HashAlgo, Hasher } from "./provider.ts";

/**
 * node:crypto, loaded at the first digest: loading it costs a few milliseconds of start-up
 * (it loads streams and every cipher), which an evaluation that never hashes need not pay.
 */
let nodeCrypto: typeof NodeCrypto | undefined;
function crypto(): typeof NodeCrypto {
  nodeCrypto ??= process.getBuiltinModule("node:crypto");
  return nodeCrypto;
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
    const h = crypto().createHash(algo);
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
    return toU8(crypto().hash(algo, data, "buffer"));
  },
  digestHex(algo, data) {
    return crypto().hash(algo, data, "hex");
  },
  digestUtf8ByteString(algo, s) {
    return crypto().hash(algo, s, "binary"); // latin1
  },
  digestByteString(algo, s) {
    return toU8(crypto().hash(algo, byteStringData(s), "buffer"));
  },
  digestByteStringHex(algo, s) {
    return crypto().hash(algo, byteStringData(s), "hex");
  },
  digestUtf8(algo, s) {
    return toU8(crypto().hash(algo, s, "buffer"));
  },
};
