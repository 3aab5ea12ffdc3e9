import { ed25519 } from "@noble/curves/ed25519.js";

/**
 * The checks of `verify_strict` beyond RFC 8032 that a plain verifier may skip: the public key
 * and the signature's R must be canonical encodings of points that are not of small order, and
 * S must be below the group order. Shared by both providers so they agree on every input.
 */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function readLE(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

function isStrictPoint(enc: Uint8Array): boolean {
  try {
    const p = ed25519.Point.fromBytes(enc, false);
    if (p.isSmallOrder()) return false;
    // Non-canonical y (>= p) decodes but re-encodes differently.
    const re = p.toBytes();
    for (let i = 0; i < 32; i++) if (re[i] !== enc[i]) return false;
    return true;
  } catch {
    return false;
  }
}

export function passesStrictChecks(publicKey: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  if (readLE(signature.subarray(32)) >= L) return false;
  return isStrictPoint(publicKey) && isStrictPoint(signature.subarray(0, 32));
}
