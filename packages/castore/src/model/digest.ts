/**
 * B3Digest: a 32-byte BLAKE3 digest (castore-store.md §1.1). A branded Uint8Array so functions
 * that take one know its length was checked. Displayed as `b3:` + padded standard base64, as Tvix
 * prints digests in logs and error texts.
 */
import { plain } from "../bytes.ts";
import { ValidationError } from "../errors.ts";
import { blake3Bytes, createBlake3 } from "./blake3.ts";

declare const b3Brand: unique symbol;
export type B3Digest = Uint8Array & { readonly [b3Brand]: true };

export const B3_LEN = 32;

/** Checks the length and brands `bytes` as a digest (no copy). */
export function b3Digest(bytes: Uint8Array): B3Digest {
  if (bytes.length !== B3_LEN) {
    throw new ValidationError("InvalidDigestLen", `invalid digest length: ${bytes.length}`);
  }
  return plain(bytes) as B3Digest;
}

export function isB3Digest(bytes: Uint8Array): bytes is B3Digest {
  return bytes.length === B3_LEN;
}

/** BLAKE3 of `data` as a digest. */
export function blake3(data: Uint8Array): B3Digest {
  return blake3Bytes(data) as B3Digest;
}

/** Incremental BLAKE3 returning a B3Digest. */
export function createDigester(): { update(data: Uint8Array): void; digest(): B3Digest } {
  const h = createBlake3();
  return { update: (d) => h.update(d), digest: () => h.digest() as B3Digest };
}

export function digestToHex(d: Uint8Array): string {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("hex");
}

/** `b3:<base64>` as Tvix displays digests. */
export function digestToString(d: Uint8Array): string {
  return `b3:${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("base64")}`;
}

/** Parses lowercase/uppercase hex of exactly 32 bytes. */
export function digestFromHex(hex: string): B3Digest {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new ValidationError("InvalidDigestLen", `not a hex BLAKE3 digest: ${hex}`);
  }
  return new Uint8Array(Buffer.from(hex, "hex")) as B3Digest;
}

/** Parses the `b3:<base64>` display form. */
export function digestFromString(s: string): B3Digest {
  if (!s.startsWith("b3:"))
    throw new ValidationError("InvalidDigestLen", `missing b3: prefix: ${s}`);
  return b3Digest(new Uint8Array(Buffer.from(s.slice(3), "base64")));
}

export function digestEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A string key for maps and sets (hex). */
export function digestKey(d: Uint8Array): string {
  return digestToHex(d);
}

/** BLAKE3 of the empty input: the empty blob and the empty directory share it. */
export const EMPTY_DIGEST: B3Digest = blake3(new Uint8Array(0));
