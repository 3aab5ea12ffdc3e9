/**
 * The only host-specific seams of nix-compat: digests (`#crypto`) and Ed25519 (`#signature`).
 * Node uses `node:crypto` (fast, native); other hosts get portable implementations. The import
 * maps pick one by export condition, so the rest of the package never imports `node:*`.
 */
export type HashAlgo = "md5" | "sha1" | "sha256" | "sha512";

export interface Hasher {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export interface CryptoProvider {
  readonly name: string;
  createHasher(algo: HashAlgo): Hasher;
  /** One-shot digest of `data` (optional: hosts with a cheaper path than a Hasher). */
  digest?(algo: HashAlgo, data: Uint8Array): Uint8Array;
  /**
   * One-shot digest of a byte string (code units 0..255, one byte each), without the caller
   * encoding it first (optional).
   */
  digestByteString?(algo: HashAlgo, s: string): Uint8Array;
  /** `digestByteString` as lowercase hex (optional). */
  digestByteStringHex?(algo: HashAlgo, s: string): string;
  /** `digest` as lowercase hex (optional). */
  digestHex?(algo: HashAlgo, data: Uint8Array): string;
  /**
   * `digestUtf8` as a byte string (one code unit per digest byte; optional): Node hands out a
   * string several times faster than a new Buffer, which matters for store path fingerprints.
   */
  digestUtf8ByteString?(algo: HashAlgo, s: string): string;
  /** One-shot digest of the UTF-8 encoding of `s` (optional). */
  digestUtf8?(algo: HashAlgo, s: string): Uint8Array;
}

/**
 * Ed25519 for binary-cache signatures, apart from the digests so that code which only hashes
 * (the evaluator) never loads an elliptic-curve library. `#signature` picks one by export
 * condition, as `#crypto` does.
 */
export interface SignatureProvider {
  readonly name: string;
  /** Public key of a 32-byte Ed25519 seed. */
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  /** Deterministic Ed25519 signature (64 bytes) of `message` with a 32-byte seed. */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * Strict verification: non-canonical encodings and small-order points are rejected, like
   * ed25519-dalek's `verify_strict` that Tvix uses.
   */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}
