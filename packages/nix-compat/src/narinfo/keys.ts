/**
 * Binary-cache keys (spec §4.3), as written by `nix-store --generate-binary-cache-key`:
 * - public (verifying) key `name:base64(32-byte Ed25519 public key)`, 44 characters of base64;
 * - secret (signing) key `name:base64(32-byte seed ‖ 32-byte public key)` (libsodium layout),
 *   88 characters of base64.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { signatureProvider as defaultProvider } from "#signature";
import { bytesEqual, utf8Encode } from "../bytes.ts";
import type { SignatureProvider } from "../crypto/provider.ts";
import { NixCompatError } from "../errors.ts";
import { base64Encode } from "../hash/base64.ts";
import { decodeExactBase64, invalidKeyNameReason, Signature, splitNamed } from "./signature.ts";

export class KeyError extends NixCompatError {}

export const PUBLIC_KEY_LENGTH = 32;
export const SEED_LENGTH = 32;
const PUBLIC_KEY_BASE64_LENGTH = 44;
const SECRET_KEY_BASE64_LENGTH = 88;

/**
 * Whether `b` is a usable Ed25519 public key: the canonical encoding of a curve point that is
 * not of small order. Strict verification (ed25519-dalek's `verify_strict`, libsodium) rejects
 * every signature under any other key, so such keys are refused when parsed.
 */
function publicKeyProblem(b: Uint8Array): string | undefined {
  if (b.length !== PUBLIC_KEY_LENGTH) return `it is ${b.length} bytes, not ${PUBLIC_KEY_LENGTH}`;
  let point: ReturnType<typeof ed25519.Point.fromBytes>;
  try {
    point = ed25519.Point.fromBytes(b, false);
  } catch {
    return "it is not a point on the curve";
  }
  if (!bytesEqual(point.toBytes(), b)) return "it is not canonically encoded";
  if (point.isSmallOrder()) return "it is a point of small order";
  return undefined;
}

function checkName(name: string, what: string): void {
  const bad = invalidKeyNameReason(name);
  if (bad !== undefined) {
    throw new KeyError("invalid-name", `invalid ${what} name ${JSON.stringify(name)}: ${bad}`);
  }
}

function shorten(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}...` : s;
}

function asBytes(message: string | Uint8Array): Uint8Array {
  return typeof message === "string" ? utf8Encode(message) : message;
}

/** A named Ed25519 public key that checks signatures (`trusted-public-keys` entries). */
export class VerifyingKey {
  readonly name: string;
  readonly bytes: Uint8Array;

  constructor(name: string, bytes: Uint8Array) {
    checkName(name, "public key");
    const problem = publicKeyProblem(bytes);
    if (problem !== undefined) {
      throw new KeyError("invalid-key", `invalid public key '${name}': ${problem}`);
    }
    this.name = name;
    this.bytes = bytes.slice();
  }

  /** `name:base64` */
  toString(): string {
    return `${this.name}:${base64Encode(this.bytes)}`;
  }

  /**
   * True when `signature` carries this key's name and is a valid strict Ed25519 signature of
   * `message` (a fingerprint, signed as UTF-8). Never throws for a bad signature.
   */
  verify(
    message: string | Uint8Array,
    signature: Signature,
    provider: SignatureProvider = defaultProvider,
  ): boolean {
    if (signature.name !== this.name) return false;
    return provider.ed25519Verify(this.bytes, asBytes(message), signature.bytes);
  }

  equals(o: VerifyingKey): boolean {
    return o.name === this.name && bytesEqual(o.bytes, this.bytes);
  }
}

/** Parses `name:base64(32 bytes)`: exactly 44 characters of canonical base64, a valid point. */
export function parseVerifyingKey(s: string): VerifyingKey {
  const parts = splitNamed(s);
  if (parts === undefined) {
    throw new KeyError(
      "missing-separator",
      `public key '${shorten(s)}' is not of the form 'name:base64'`,
    );
  }
  const [name, payload] = parts;
  checkName(name, "public key");
  const bytes = decodeExactBase64(payload, PUBLIC_KEY_BASE64_LENGTH, PUBLIC_KEY_LENGTH);
  if (bytes === undefined) {
    throw new KeyError(
      "invalid-base64",
      `invalid public key '${shorten(s)}': expected ${PUBLIC_KEY_BASE64_LENGTH} characters of canonical base64 encoding ${PUBLIC_KEY_LENGTH} bytes`,
    );
  }
  return new VerifyingKey(name, bytes);
}

/** A named Ed25519 secret key that signs fingerprints. */
export class SigningKey {
  readonly name: string;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;

  /**
   * Builds the key from its 32-byte seed. When `publicKey` is given (the tail of a Nix secret
   * key) it must be the seed's public key: Tvix and CppNix take it on trust, which makes a
   * corrupt key file produce signatures that nothing verifies; we reject it instead.
   */
  constructor(
    name: string,
    seed: Uint8Array,
    publicKey?: Uint8Array,
    provider: SignatureProvider = defaultProvider,
  ) {
    checkName(name, "secret key");
    if (seed.length !== SEED_LENGTH) {
      throw new KeyError(
        "invalid-key",
        `secret key '${name}': seed is ${seed.length} bytes, not 32`,
      );
    }
    const derived = provider.ed25519PublicKey(seed);
    if (publicKey !== undefined && !bytesEqual(publicKey, derived)) {
      throw new KeyError(
        "key-mismatch",
        `secret key '${name}': its public half does not belong to its seed`,
      );
    }
    this.name = name;
    this.seed = seed.slice();
    this.publicKey = derived;
  }

  /** The secret key file contents: `name:base64(seed ‖ public key)`. */
  toString(): string {
    const both = new Uint8Array(64);
    both.set(this.seed, 0);
    both.set(this.publicKey, 32);
    return `${this.name}:${base64Encode(both)}`;
  }

  verifyingKey(): VerifyingKey {
    return new VerifyingKey(this.name, this.publicKey);
  }

  /** Deterministic Ed25519 signature of `message` (a fingerprint, signed as UTF-8). */
  sign(message: string | Uint8Array, provider: SignatureProvider = defaultProvider): Signature {
    return new Signature(this.name, provider.ed25519Sign(this.seed, asBytes(message)));
  }
}

/** Parses a secret key file's contents (`name:base64(64 bytes)`, 88 characters of base64). */
export function parseSigningKey(
  s: string,
  provider: SignatureProvider = defaultProvider,
): SigningKey {
  const parts = splitNamed(s.trim());
  if (parts === undefined) {
    throw new KeyError("missing-separator", "secret key is not of the form 'name:base64'");
  }
  const [name, payload] = parts;
  checkName(name, "secret key");
  const bytes = decodeExactBase64(payload, SECRET_KEY_BASE64_LENGTH, 64);
  // The payload is secret: never put it in the message.
  if (bytes === undefined) {
    throw new KeyError(
      "invalid-base64",
      `invalid secret key '${name}': expected ${SECRET_KEY_BASE64_LENGTH} characters of canonical base64 encoding 64 bytes`,
    );
  }
  return new SigningKey(name, bytes.subarray(0, 32), bytes.subarray(32), provider);
}

/**
 * A new key pair from 32 bytes of seed, like `nix-store --generate-binary-cache-key NAME`
 * (which draws the seed from the system's random source; pass it in, nix-compat has no IO).
 */
export function generateSigningKey(
  name: string,
  seed: Uint8Array,
  provider: SignatureProvider = defaultProvider,
): SigningKey {
  return new SigningKey(name, seed, undefined, provider);
}
