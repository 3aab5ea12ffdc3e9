/**
 * The fingerprint of a store path: the string binary-cache signatures sign (spec §4.2).
 *
 *   1;<store path>;<algo>:<nixbase32 NAR hash>;<NAR size>;<reference>,<reference>,...
 *
 * References are absolute paths, sorted and without duplicates: CppNix keeps them in a sorted
 * set, so that is what it signs and what it checks, whatever order a narinfo lists them in.
 * Tvix uses the listed order instead (`keepOrder`). Old cache.nixos.org narinfos exist whose
 * references are out of order and whose signature covers the listed order, so verification
 * (sign.ts) accepts a signature over either form.
 */
import { compareStrings } from "../bytes.ts";
import type { NixHash } from "../hash/nix-hash.ts";
import { STORE_DIR, type StorePath } from "../store-path/store-path.ts";
import { NarInfoError } from "./errors.ts";

export interface FingerprintOptions {
  storeDir?: string;
  /** Use the references as given (Tvix) instead of sorted and deduplicated (CppNix). */
  keepOrder?: boolean;
}

export function fingerprint(
  storePath: StorePath,
  narHash: NixHash,
  narSize: number,
  references: readonly StorePath[],
  opts: FingerprintOptions = {},
): string {
  const storeDir = opts.storeDir ?? STORE_DIR;
  if (!Number.isSafeInteger(narSize) || narSize <= 0) {
    // CppNix: "cannot calculate fingerprint of path '...' because its size is not known".
    throw new NarInfoError(
      "unknown-nar-size",
      `cannot compute the fingerprint of '${storePath.toAbsolutePath(storeDir)}': its NAR size is ${narSize}`,
    );
  }
  const listed = references.map((r) => r.toAbsolutePath(storeDir));
  const refs = opts.keepOrder ? listed : [...new Set(listed)].sort(compareStrings);
  return `1;${storePath.toAbsolutePath(storeDir)};${narHash.toNixBase32String()};${narSize};${refs.join(",")}`;
}
