import type { HashAlgo } from "../crypto/provider.ts";
import { NixCompatError } from "../errors.ts";

export type { HashAlgo };

export class HashError extends NixCompatError {}

export const HASH_ALGOS: readonly HashAlgo[] = ["md5", "sha1", "sha256", "sha512"];

const SIZES: Record<HashAlgo, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

export function isHashAlgo(s: string): s is HashAlgo {
  return Object.hasOwn(SIZES, s);
}

export function parseHashAlgo(s: string): HashAlgo {
  if (!isHashAlgo(s)) throw new HashError("unknown-algo", `unknown hash algorithm '${s}'`);
  return s;
}

/** Digest length in bytes. */
export function digestSize(algo: HashAlgo): number {
  return SIZES[algo];
}
