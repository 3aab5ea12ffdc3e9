import { fromHex, toHex } from "../bytes.ts";
import { digest } from "../crypto/index.ts";
import { encodedLength, decode as nb32Decode, encode as nb32Encode } from "../nixbase32.ts";
import { digestSize, type HashAlgo, HashError, isHashAlgo, parseHashAlgo } from "./algo.ts";
import { base64Decode, base64Encode, base64EncodedLength } from "./base64.ts";

export type HashEncoding = "base16" | "nixbase32" | "base64" | "sri";

/** A digest with its algorithm. Immutable; the digest length always matches the algorithm. */
export class NixHash {
  readonly algo: HashAlgo;
  readonly digest: Uint8Array;

  constructor(algo: HashAlgo, digestBytes: Uint8Array) {
    if (digestBytes.length !== digestSize(algo)) {
      throw new HashError(
        "invalid-digest-length",
        `${algo} digest must be ${digestSize(algo)} bytes, got ${digestBytes.length}`,
      );
    }
    this.algo = algo;
    this.digest = digestBytes;
  }

  /** Hashes `data` with `algo`. */
  static of(algo: HashAlgo, ...data: Uint8Array[]): NixHash {
    return new NixHash(algo, digest(algo, ...data));
  }

  toHex(): string {
    return toHex(this.digest);
  }
  toNixBase32(): string {
    return nb32Encode(this.digest);
  }
  toBase64(): string {
    return base64Encode(this.digest);
  }
  /** `sha256-<base64>` */
  toSri(): string {
    return `${this.algo}-${this.toBase64()}`;
  }
  /** `sha256:<hex>`, as used in fixed-output fingerprints. */
  toNixHexString(): string {
    return `${this.algo}:${this.toHex()}`;
  }
  /** `sha256:<nixbase32>`, as used in narinfo and content addresses. */
  toNixBase32String(): string {
    return `${this.algo}:${this.toNixBase32()}`;
  }

  /** Digits in one encoding, without algorithm prefix except for SRI. */
  format(encoding: HashEncoding): string {
    switch (encoding) {
      case "base16":
        return this.toHex();
      case "nixbase32":
        return this.toNixBase32();
      case "base64":
        return this.toBase64();
      case "sri":
        return this.toSri();
    }
  }

  equals(other: NixHash): boolean {
    if (other.algo !== this.algo) return false;
    for (let i = 0; i < this.digest.length; i++)
      if (this.digest[i] !== other.digest[i]) return false;
    return true;
  }

  toString(): string {
    return this.toSri();
  }
}

/**
 * Decodes a bare digest, choosing the encoding by length alone as Nix does: hex, nixbase32, or
 * padded base64 (strict: padding and zero trailing bits required).
 */
export function decodeDigest(algo: HashAlgo, s: string): Uint8Array {
  const size = digestSize(algo);
  let out: Uint8Array | undefined;
  if (s.length === size * 2) {
    out = fromHex(s);
  } else if (s.length === encodedLength(size)) {
    try {
      out = nb32Decode(s);
    } catch (e) {
      throw new HashError("invalid-digest", `invalid nixbase32 ${algo} hash '${s}'`, { cause: e });
    }
  } else if (s.length === base64EncodedLength(size, true)) {
    out = base64Decode(s, { padding: "required", checkTrailingBits: true });
  } else {
    throw new HashError(
      "invalid-digest-length",
      `hash '${s}' has wrong length for hash type '${algo}'`,
    );
  }
  if (out === undefined || out.length !== size) {
    throw new HashError("invalid-digest", `invalid ${algo} hash '${s}'`);
  }
  return out;
}

function checkHint(found: HashAlgo, hint: HashAlgo | undefined, s: string): void {
  if (hint !== undefined && hint !== found) {
    throw new HashError(
      "conflicting-algos",
      `hash '${s}' should have type '${hint}', but has type '${found}'`,
    );
  }
}

/** Parses SRI (`sha256-<base64>`); extra characters after the digest are ignored, like Tvix. */
export function parseSri(s: string, hint?: HashAlgo): NixHash {
  const dash = s.indexOf("-");
  if (dash < 0) throw new HashError("invalid-sri", `invalid SRI hash '${s}'`);
  const algoName = s.slice(0, dash);
  if (!isHashAlgo(algoName))
    throw new HashError("unknown-algo", `unknown hash algorithm '${algoName}'`);
  checkHint(algoName, hint, s);
  const size = digestSize(algoName);
  let body = s.slice(dash + 1, dash + 1 + base64EncodedLength(size, true));
  if (body.length < base64EncodedLength(size, false)) {
    throw new HashError("invalid-sri", `SRI hash '${s}' is too short`);
  }
  body = body.replace(/=+$/, "");
  const out = base64Decode(body, { padding: "none", checkTrailingBits: false });
  if (out === undefined || out.length !== size) {
    throw new HashError("invalid-sri", `invalid SRI hash '${s}'`);
  }
  return new NixHash(algoName, out);
}

/**
 * Parses any hash string Nix accepts: SRI, `algo:digest`, or a bare digest with `hint`
 * (hex, nixbase32 or base64, chosen by length).
 */
export function parseNixHash(s: string, hint?: HashAlgo | string): NixHash {
  const algoHint = hint === undefined ? undefined : parseHashAlgo(hint);
  for (const a of ["md5", "sha1", "sha256", "sha512"] as const) {
    if (s.startsWith(`${a}-`)) return parseSri(s, algoHint);
    if (s.startsWith(`${a}:`)) {
      checkHint(a, algoHint, s);
      return new NixHash(a, decodeDigest(a, s.slice(a.length + 1)));
    }
  }
  if (algoHint === undefined) {
    throw new HashError("missing-algo", `hash '${s}' does not include a type`);
  }
  return new NixHash(algoHint, decodeDigest(algoHint, s));
}
