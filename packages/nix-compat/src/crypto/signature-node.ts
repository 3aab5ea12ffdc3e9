import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import type { SignatureProvider } from "./provider.ts";
import { passesStrictChecks } from "./strict.ts";

/** Ed25519 by `node:crypto`, with the strict checks that it does not make (strict.ts). */

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
}

function privateKey(seed: Uint8Array) {
  // PKCS#8 DER prefix for an Ed25519 private key followed by the 32-byte seed.
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: "der", type: "pkcs8" });
}

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export const signatureProvider: SignatureProvider = {
  name: "node",
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
