/**
 * narinfo signatures: `<key name>:<base64 of the 64-byte Ed25519 signature>` (spec §4.3).
 */
import { NixCompatError } from "../errors.ts";
import { base64Decode, base64Encode } from "../hash/base64.ts";

export class SignatureError extends NixCompatError {}

export const SIGNATURE_LENGTH = 64;
/** Length of a padded base64 signature. */
export const SIGNATURE_BASE64_LENGTH = 88;

/**
 * Key names (of signatures and keys). CppNix only requires them to be non-empty; Tvix allows
 * only alphanumerics, `-` and `.`. We take the middle road: non-empty, no `:` (the separator)
 * and no whitespace or control characters, since those cannot survive a narinfo line or the
 * whitespace-separated `trusted-public-keys` list. Returns a reason, or undefined when fine.
 */
export function invalidKeyNameReason(name: string): string | undefined {
  if (name.length === 0) return "the key name is empty";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 58) return "the key name contains ':'";
    if (c <= 32 || c === 127 || (c >= 0x80 && c <= 0x9f) || /\s/.test(name[i]!)) {
      return `the key name contains the character ${JSON.stringify(name[i])}`;
    }
  }
  return undefined;
}

/** Splits `name:payload` at the first `:`; used for signatures and keys. */
export function splitNamed(s: string): [string, string] | undefined {
  const colon = s.indexOf(":");
  if (colon < 0) return undefined;
  return [s.slice(0, colon), s.slice(colon + 1)];
}

/**
 * Strict base64 of exactly `chars` characters decoding to exactly `bytes` bytes: canonical
 * padding and zero trailing bits, so every value has exactly one textual form.
 */
export function decodeExactBase64(s: string, chars: number, bytes: number): Uint8Array | undefined {
  if (s.length !== chars) return undefined;
  const out = base64Decode(s, { padding: "required", checkTrailingBits: true });
  return out !== undefined && out.length === bytes ? out : undefined;
}

function shorten(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}...` : s;
}

/** A named Ed25519 signature. Immutable. */
export class Signature {
  readonly name: string;
  readonly bytes: Uint8Array;

  constructor(name: string, bytes: Uint8Array) {
    const bad = invalidKeyNameReason(name);
    if (bad !== undefined) {
      throw new SignatureError(
        "invalid-name",
        `invalid signature name ${JSON.stringify(name)}: ${bad}`,
      );
    }
    if (bytes.length !== SIGNATURE_LENGTH) {
      throw new SignatureError(
        "invalid-length",
        `an Ed25519 signature is ${SIGNATURE_LENGTH} bytes, got ${bytes.length}`,
      );
    }
    this.name = name;
    this.bytes = bytes.slice();
  }

  /** `name:base64` */
  toString(): string {
    return `${this.name}:${base64Encode(this.bytes)}`;
  }

  equals(o: Signature): boolean {
    if (o.name !== this.name) return false;
    for (let i = 0; i < SIGNATURE_LENGTH; i++) if (o.bytes[i] !== this.bytes[i]) return false;
    return true;
  }
}

/** Parses `name:base64(64 bytes)`; the base64 must be exactly 88 canonical characters. */
export function parseSignature(s: string): Signature {
  const parts = splitNamed(s);
  if (parts === undefined) {
    throw new SignatureError(
      "missing-separator",
      `signature '${shorten(s)}' is not of the form 'name:base64'`,
    );
  }
  const [name, payload] = parts;
  const bad = invalidKeyNameReason(name);
  if (bad !== undefined) {
    throw new SignatureError("invalid-name", `invalid signature '${shorten(s)}': ${bad}`);
  }
  const bytes = decodeExactBase64(payload, SIGNATURE_BASE64_LENGTH, SIGNATURE_LENGTH);
  if (bytes === undefined) {
    throw new SignatureError(
      "invalid-base64",
      `invalid signature '${shorten(s)}': expected ${SIGNATURE_BASE64_LENGTH} characters of canonical base64 encoding ${SIGNATURE_LENGTH} bytes`,
    );
  }
  return new Signature(name, bytes);
}
