import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  HashError,
  Nixbase32Error,
  NixHash,
  nixbase32,
  parseContentAddress,
  parseNixHash,
  parseStorePathAndSubpath,
  StorePathError,
  toHex,
} from "../src/index.ts";

/** Runs `f`; anything thrown must be one of `allowed`. */
function onlyTyped(f: () => unknown, ...allowed: (new (...a: never[]) => Error)[]): void {
  try {
    f();
  } catch (e) {
    if (!allowed.some((cls) => e instanceof cls)) throw e;
  }
}

const nb32Char = fc.constantFrom(..."0123456789abcdfghijklmnpqrsvwxyz".split(""));

describe("nixbase32 properties", () => {
  it("decode(encode(x)) == x", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = nixbase32.encode(b);
        assert.equal(s.length, nixbase32.encodedLength(b.length));
        assert.deepEqual(nixbase32.decode(s), b);
      }),
      { numRuns: 500 },
    );
  });
  it("encoding preserves the order of values read most-significant byte last", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (a, b) => {
          const ra = toHex(a.slice().reverse());
          const rb = toHex(b.slice().reverse());
          const ea = nixbase32.encode(a);
          const eb = nixbase32.encode(b);
          assert.equal(
            Math.sign(ra < rb ? -1 : ra > rb ? 1 : 0),
            Math.sign(ea < eb ? -1 : ea > eb ? 1 : 0),
          );
        },
      ),
    );
  });
  it("any string decodes or fails with Nixbase32Error; accepted strings re-encode identically", () => {
    const strings = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.array(nb32Char, { maxLength: 60 }).map((a) => a.join("")),
    );
    fc.assert(
      fc.property(strings, (s) => {
        let out: Uint8Array | undefined;
        onlyTyped(() => {
          out = nixbase32.decode(s);
        }, Nixbase32Error);
        if (out) assert.equal(nixbase32.encode(out), s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("hash and store path parsers never throw untyped errors", () => {
  it("parseNixHash", () => {
    const algo = fc.constantFrom(undefined, "md5", "sha1", "sha256", "sha512");
    const prefix = fc.constantFrom("", "sha256:", "sha256-", "sha1-", "md5:", "sha512-", "sha384-");
    fc.assert(
      fc.property(prefix, fc.string({ maxLength: 120 }), algo, (p, s, a) => {
        onlyTyped(() => {
          const h = parseNixHash(p + s, a);
          assert.ok(h instanceof NixHash);
        }, HashError);
      }),
      { numRuns: 3000 },
    );
  });
  it("parseNixHash round-trips every encoding of random digests", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("md5", "sha1", "sha256", "sha512" as const),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (a, bytes) => {
          const h = new NixHash(
            a,
            bytes.subarray(0, { md5: 16, sha1: 20, sha256: 32, sha512: 64 }[a]),
          );
          for (const enc of ["base16", "nixbase32", "base64"] as const) {
            assert.ok(parseNixHash(h.format(enc), a).equals(h));
          }
          assert.ok(parseNixHash(h.toSri()).equals(h));
        },
      ),
    );
  });
  it("parseContentAddress and store paths", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        onlyTyped(() => parseContentAddress(s), HashError);
        onlyTyped(() => parseContentAddress(`fixed:r:sha256:${s}`), HashError);
        onlyTyped(() => parseStorePathAndSubpath(`/nix/store/${s}`), StorePathError);
      }),
      { numRuns: 2000 },
    );
  });
});
