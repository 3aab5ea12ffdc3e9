import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { signatureProvider as nodeProvider } from "../src/crypto/signature-node.ts";
import { signatureProvider as portableProvider } from "../src/crypto/signature-portable.ts";
import {
  addNarInfoSignature,
  base64Encode,
  formatNarInfo,
  fromHex,
  generateSigningKey,
  isNarInfoTrusted,
  KeyError,
  narInfoFingerprint,
  parseNarInfo,
  parseSignature,
  parseSigningKey,
  parseVerifyingKey,
  Signature,
  SignatureError,
  SigningKey,
  toHex,
  utf8Encode,
  VerifyingKey,
  validNarInfoSignatures,
} from "../src/index.ts";
import {
  CACHE_NIXOS_ORG_KEY,
  CURL_FINGERPRINT,
  CURL_SIGNATURE,
  CURL_SIGNATURE_HEX,
  DUMMY_PUBLIC_KEY,
  DUMMY_SECRET_KEY,
  HELLO_NARINFO,
  NIX28_SIGNED,
  REFS_NARINFO,
} from "./fixtures/narinfo-vectors.ts";

const providers = [
  ["node:crypto", nodeProvider],
  ["portable", portableProvider],
] as const;

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
function readLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}
function writeLE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 255n);
    n >>= 8n;
  }
  return out;
}
const hex = (s: string) => fromHex(s)!;
const keyB64 = (h: string) => base64Encode(hex(h));

// Public key encodings that are not usable keys.
const IDENTITY = `01${"00".repeat(31)}`; // small order (1)
const ORDER_2 = `ec${"ff".repeat(30)}7f`; // y = p - 1, small order (2)
const ORDER_4 = "00".repeat(32); // y = 0, small order (4)
const NOT_ON_CURVE = `02${"00".repeat(31)}`; // y = 2 has no x
const NON_CANONICAL = `f0${"ff".repeat(30)}7f`; // y = p + 3 (y = 3 is a valid point)
const VALID_Y3 = `03${"00".repeat(31)}`;

describe("signing keys (spec §4.3, DUMMY_KEYPAIR)", () => {
  for (const [pname, provider] of providers) {
    it(`reproduces all five Nix 2.8 signatures byte for byte (${pname})`, () => {
      const sk = parseSigningKey(DUMMY_SECRET_KEY, provider);
      for (const v of NIX28_SIGNED) {
        assert.equal(sk.sign(v.fingerprint, provider).toString(), v.sig, v.name);
      }
    });
    it(`verifies all five with the public key and rejects tampering (${pname})`, () => {
      const pk = parseVerifyingKey(DUMMY_PUBLIC_KEY);
      for (const v of NIX28_SIGNED) {
        const sig = parseSignature(v.sig);
        assert.ok(pk.verify(v.fingerprint, sig, provider), v.name);
        assert.equal(pk.verify(`${v.fingerprint}x`, sig, provider), false);
        const resized = v.fingerprint.replace(/;(\d+);/, (_, n) => `;${Number(n) + 1};`);
        assert.notEqual(resized, v.fingerprint);
        assert.equal(pk.verify(resized, sig, provider), false);
      }
    });
  }
  it("derives the public key from the seed and round-trips the secret key", () => {
    const sk = parseSigningKey(DUMMY_SECRET_KEY);
    assert.equal(sk.name, "cache.example.com-1");
    assert.equal(sk.toString(), DUMMY_SECRET_KEY);
    assert.equal(sk.verifyingKey().toString(), DUMMY_PUBLIC_KEY);
    assert.ok(sk.verifyingKey().equals(parseVerifyingKey(DUMMY_PUBLIC_KEY)));
    // A trailing newline in a key file is fine.
    assert.equal(parseSigningKey(`${DUMMY_SECRET_KEY}\n`).toString(), DUMMY_SECRET_KEY);
  });
  it("generateSigningKey is deterministic in the seed, like the DUMMY_KEYPAIR", () => {
    const sk = parseSigningKey(DUMMY_SECRET_KEY);
    for (const [, provider] of providers) {
      const g = generateSigningKey("cache.example.com-1", sk.seed, provider);
      assert.equal(g.toString(), DUMMY_SECRET_KEY);
    }
    const other = generateSigningKey("my-cache-1", new Uint8Array(32).fill(7));
    assert.equal(parseSigningKey(other.toString()).toString(), other.toString());
    assert.match(other.verifyingKey().toString(), /^my-cache-1:[A-Za-z0-9+/]{43}=$/);
  });
  it("rejects secret keys whose halves do not match, or that are malformed", () => {
    const [name, b64] = DUMMY_SECRET_KEY.split(":") as [string, string];
    const bytes = Buffer.from(b64, "base64");
    bytes[40]! ^= 1;
    assert.throws(() => parseSigningKey(`${name}:${bytes.toString("base64")}`), /does not belong/);
    for (const bad of [
      "no-colon",
      `:${b64}`,
      `${name}:${b64.slice(0, -2)}`,
      `${name}:${b64.slice(0, -4)}`,
      `${name} x:${b64}`,
      `${name}:${b64.replace("/", "_")}`,
      `${name}:${b64.slice(0, -3)}x==`,
    ]) {
      assert.throws(() => parseSigningKey(bad), KeyError, bad);
    }
    assert.throws(() => generateSigningKey("n", new Uint8Array(31)), KeyError);
    assert.throws(() => new SigningKey("", new Uint8Array(32)), KeyError);
  });
  it("does not put the secret in error messages", () => {
    const b64 = DUMMY_SECRET_KEY.split(":")[1]!;
    try {
      parseSigningKey(`cache:${b64.slice(0, -2)}`);
      assert.fail("should throw");
    } catch (e) {
      assert.ok(!(e as Error).message.includes(b64.slice(0, 20)));
    }
  });
});

describe("verifying keys and signatures (spec §4.3, §9.1 curl vector)", () => {
  const nixos = parseVerifyingKey(CACHE_NIXOS_ORG_KEY);
  it("parses and prints cache.nixos.org-1", () => {
    assert.equal(nixos.name, "cache.nixos.org-1");
    assert.equal(nixos.toString(), CACHE_NIXOS_ORG_KEY);
  });
  for (const [pname, provider] of providers) {
    it(`the curl signature verifies with cache.nixos.org-1, not under another name (${pname})`, () => {
      const sig = parseSignature(CURL_SIGNATURE);
      assert.equal(toHex(sig.bytes), CURL_SIGNATURE_HEX);
      assert.ok(nixos.verify(CURL_FINGERPRINT, sig, provider));
      assert.ok(nixos.verify(utf8Encode(CURL_FINGERPRINT), sig, provider));
      const renamed = new Signature("cache.nixos.org", sig.bytes);
      assert.equal(nixos.verify(CURL_FINGERPRINT, renamed, provider), false);
      assert.equal(
        new VerifyingKey("cache.nixos.org", nixos.bytes).verify(
          CURL_FINGERPRINT,
          renamed,
          provider,
        ),
        true,
      );
      assert.equal(
        nixos.verify(CURL_FINGERPRINT.replace("196040", "196041"), sig, provider),
        false,
      );
      assert.equal(
        parseVerifyingKey(DUMMY_PUBLIC_KEY).verify(CURL_FINGERPRINT, sig, provider),
        false,
      );
    });
    it(`rejects non-canonical and small-order signatures (${pname})`, () => {
      const sig = parseSignature(CURL_SIGNATURE);
      // S + L: the same signature with a non-canonical scalar.
      const s = readLE(sig.bytes.subarray(32));
      const bumped = sig.bytes.slice();
      bumped.set(writeLE(s + L), 32);
      assert.equal(
        nixos.verify(CURL_FINGERPRINT, new Signature(sig.name, bumped), provider),
        false,
      );
      // Small-order R.
      for (const r of [IDENTITY, ORDER_2, ORDER_4, NON_CANONICAL]) {
        const b = sig.bytes.slice();
        b.set(hex(r), 0);
        assert.equal(nixos.verify(CURL_FINGERPRINT, new Signature(sig.name, b), provider), false);
      }
    });
  }
  it("accepts a valid point as a key", () => {
    assert.equal(parseVerifyingKey(`k:${keyB64(VALID_Y3)}`).name, "k");
  });
  for (const [what, h] of [
    ["identity (small order)", IDENTITY],
    ["order-2 point", ORDER_2],
    ["order-4 point", ORDER_4],
    ["point not on the curve", NOT_ON_CURVE],
    ["non-canonical encoding", NON_CANONICAL],
  ] as const) {
    it(`rejects a public key that is a ${what}`, () => {
      assert.throws(() => parseVerifyingKey(`k:${keyB64(h)}`), KeyError);
      assert.throws(() => new VerifyingKey("k", hex(h)), KeyError);
    });
  }
  it("rejects malformed public keys", () => {
    const b64 = CACHE_NIXOS_ORG_KEY.split(":")[1]!;
    for (const bad of [
      "",
      "cache.nixos.org-1",
      `:${b64}`,
      `cache.nixos.org-1:${b64.slice(0, -1)}`,
      `cache.nixos.org-1:${b64}=`,
      `cache.nixos.org-1:${b64.slice(0, -2)}B=`, // non-zero trailing bits
      `cache.nixos.org-1:-${b64.slice(1)}`,
      `cache.nixos.org-1:${b64.slice(0, 10)} ${b64.slice(11)}`,
      `cache nixos:${b64}`,
      `cache.nixos.org-1:${base64Encode(new Uint8Array(64))}`,
    ]) {
      assert.throws(() => parseVerifyingKey(bad), KeyError, bad);
    }
  });
  it("rejects malformed signatures", () => {
    const [name, b64] = CURL_SIGNATURE.split(":") as [string, string];
    for (const bad of [
      "",
      b64,
      `:${b64}`,
      `${name}:${b64.slice(0, -2)}`,
      `${name}:${b64.slice(0, -2)}=`,
      `${name}:${b64}==`,
      `${name}:${b64.slice(0, -3)}B==`, // non-zero trailing bits
      `${name}:${b64.replace("+", "-")}`,
      `${name}\t:${b64}`,
      `${name}:${base64Encode(new Uint8Array(32))}`,
    ]) {
      assert.throws(() => parseSignature(bad), SignatureError, bad);
    }
    assert.throws(() => new Signature("a:b", new Uint8Array(64)), SignatureError);
    assert.throws(() => new Signature("a", new Uint8Array(63)), SignatureError);
  });
  it("splits at the first colon and accepts non-ASCII names (CppNix does not restrict)", () => {
    const b64 = CURL_SIGNATURE.split(":")[1]!;
    assert.throws(() => parseSignature(`a:b:${b64}`), SignatureError);
    assert.equal(parseSignature(`cäche_1:${b64}`).name, "cäche_1");
  });
});

describe("narinfo signing helpers", () => {
  it("adding the DUMMY_KEYPAIR signature to the unsigned refs narinfo gives Nix's file", () => {
    const unsigned = REFS_NARINFO.replace(/^Sig: .*\n/m, "");
    const n = parseNarInfo(unsigned);
    assert.deepEqual(validNarInfoSignatures(n, [parseVerifyingKey(DUMMY_PUBLIC_KEY)]), []);
    const sig = addNarInfoSignature(n, parseSigningKey(DUMMY_SECRET_KEY));
    assert.equal(formatNarInfo(n), REFS_NARINFO);
    assert.equal(n.signatures.length, 1);
    // Signing again adds nothing; another key adds a second signature.
    addNarInfoSignature(n, parseSigningKey(DUMMY_SECRET_KEY), { provider: portableProvider });
    assert.equal(n.signatures.length, 1);
    assert.ok(n.signatures[0]!.equals(sig));
    const other = generateSigningKey("other-1", new Uint8Array(32).fill(1));
    addNarInfoSignature(n, other);
    assert.equal(n.signatures.length, 2);
    const trusted = [parseVerifyingKey(DUMMY_PUBLIC_KEY), other.verifyingKey()];
    assert.equal(validNarInfoSignatures(n, trusted).length, 2);
    assert.equal(validNarInfoSignatures(n, [other.verifyingKey()]).length, 1);
    assert.equal(isNarInfoTrusted(n, [parseVerifyingKey(CACHE_NIXOS_ORG_KEY)]), false);
    assert.equal(isNarInfoTrusted(n, []), false);
  });
  it("a signature stops verifying when a signed field changes, not when others do", () => {
    const key = parseVerifyingKey(DUMMY_PUBLIC_KEY);
    const base = parseNarInfo(HELLO_NARINFO);
    for (const [pname, provider] of providers) {
      assert.ok(isNarInfoTrusted(base, [key], { provider }), pname);
      assert.equal(isNarInfoTrusted({ ...base, narSize: 129 }, [key], { provider }), false);
      assert.equal(
        isNarInfoTrusted({ ...base, references: [base.storePath] }, [key], { provider }),
        false,
      );
      assert.ok(
        isNarInfoTrusted({ ...base, url: "elsewhere", ca: undefined }, [key], { provider }),
      );
    }
    assert.equal(
      narInfoFingerprint(base),
      "1;/nix/store/925f1jb1ajrypjbyq7rylwryqwizvhp0-hello.txt;sha256:0h40zg6hakjv951nyhdad7mv9za56m3za5gnpiw5s1hbwcxzdrq3;128;",
    );
  });
});

describe("crypto providers agree on narinfo signatures (fast-check)", () => {
  const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
  it("same signatures, and both verify them; tampering fails under both", () => {
    fc.assert(
      fc.property(seed, fc.string({ maxLength: 300 }), fc.nat(63), (sd, fp, flip) => {
        const a = generateSigningKey("k-1", sd, nodeProvider);
        const b = generateSigningKey("k-1", sd, portableProvider);
        assert.equal(a.toString(), b.toString());
        const sa = a.sign(fp, nodeProvider);
        const sb = b.sign(fp, portableProvider);
        assert.equal(sa.toString(), sb.toString());
        const vk = a.verifyingKey();
        assert.ok(vk.verify(fp, sa, nodeProvider));
        assert.ok(vk.verify(fp, sa, portableProvider));
        const bytes = sa.bytes.slice();
        bytes[flip]! ^= 1 << (flip % 8);
        const bad = new Signature("k-1", bytes);
        assert.equal(vk.verify(fp, bad, nodeProvider), false);
        assert.equal(vk.verify(fp, bad, portableProvider), false);
        assert.equal(vk.verify(`${fp}.`, sa, nodeProvider), false);
        assert.equal(vk.verify(`${fp}.`, sa, portableProvider), false);
      }),
      { numRuns: 40 },
    );
  });
  it("same verdict on arbitrary keys and signatures, including small-order parts", () => {
    const part = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.constantFrom(IDENTITY, ORDER_2, ORDER_4, NOT_ON_CURVE, NON_CANONICAL, VALID_Y3).map(hex),
    );
    fc.assert(
      fc.property(part, part, part, fc.uint8Array({ maxLength: 64 }), (pk, r, s, msg) => {
        const sig = new Uint8Array(64);
        sig.set(r, 0);
        sig.set(s, 32);
        const vn = nodeProvider.ed25519Verify(pk, msg, sig);
        const vp = portableProvider.ed25519Verify(pk, msg, sig);
        assert.equal(vn, vp);
        assert.equal(vn, false);
      }),
      { numRuns: 150 },
    );
  });
  it("same verdict on the cache.nixos.org corpus-style signatures with one bit flipped", () => {
    const nixos = parseVerifyingKey(CACHE_NIXOS_ORG_KEY);
    const sig = parseSignature(CURL_SIGNATURE);
    fc.assert(
      fc.property(fc.nat(511), (bit) => {
        const b = sig.bytes.slice();
        b[bit >> 3]! ^= 1 << (bit & 7);
        const s = new Signature(sig.name, b);
        const vn = nixos.verify(CURL_FINGERPRINT, s, nodeProvider);
        assert.equal(vn, nixos.verify(CURL_FINGERPRINT, s, portableProvider));
        assert.equal(vn, false);
      }),
      { numRuns: 60 },
    );
  });
});
