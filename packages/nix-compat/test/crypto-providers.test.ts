import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { toHex, utf8Encode } from "../src/bytes.ts";
import { cryptoProvider as nodeProvider } from "../src/crypto/node.ts";
import { cryptoProvider as portableProvider } from "../src/crypto/portable.ts";
import type { HashAlgo } from "../src/crypto/provider.ts";
import { signatureProvider as nodeSignatures } from "../src/crypto/signature-node.ts";
import { signatureProvider as portableSignatures } from "../src/crypto/signature-portable.ts";

const algos: HashAlgo[] = ["md5", "sha1", "sha256", "sha512"];

function hashWith(p: typeof nodeProvider, algo: HashAlgo, chunks: Uint8Array[]): string {
  const h = p.createHasher(algo);
  for (const c of chunks) h.update(c);
  return toHex(h.digest());
}

describe("crypto providers agree", () => {
  it("on known digests", () => {
    const data = [utf8Encode("Hello World!")];
    for (const p of [nodeProvider, portableProvider]) {
      assert.equal(
        hashWith(p, "sha256", data),
        "7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069",
      );
      assert.equal(hashWith(p, "md5", data), "ed076287532e86365e841e92bfc50d8c");
      assert.equal(hashWith(p, "sha1", data), "2ef7bde608ce5404e97d5f042f95f89f1c232871");
    }
  });
  it("on random chunked input", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (chunks) => {
        for (const a of algos) {
          assert.equal(hashWith(nodeProvider, a, chunks), hashWith(portableProvider, a, chunks));
        }
      }),
      { numRuns: 200 },
    );
  });
  it("on Ed25519 keys and signatures", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        (seed, msg) => {
          const pub = nodeSignatures.ed25519PublicKey(seed);
          assert.equal(toHex(portableSignatures.ed25519PublicKey(seed)), toHex(pub));
          const sig = nodeSignatures.ed25519Sign(seed, msg);
          assert.equal(toHex(portableSignatures.ed25519Sign(seed, msg)), toHex(sig));
          assert.ok(nodeSignatures.ed25519Verify(pub, msg, sig));
          assert.ok(portableSignatures.ed25519Verify(pub, msg, sig));
          const bad = sig.slice();
          bad[5]! ^= 1;
          assert.equal(nodeSignatures.ed25519Verify(pub, msg, bad), false);
          assert.equal(portableSignatures.ed25519Verify(pub, msg, bad), false);
        },
      ),
      { numRuns: 30 },
    );
  });
});
