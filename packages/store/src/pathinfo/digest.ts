/** Store path digests as lookup keys, with the length check every backend needs. */
import { DIGEST_SIZE, nixbase32 } from "@tvix-ts/nix-compat";
import { PathInfoServiceError } from "../errors.ts";

export function checkDigest(digest: Uint8Array): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== DIGEST_SIZE) {
    throw new PathInfoServiceError(
      "invalid-request",
      `invalid store path digest length ${digest?.length}`,
    );
  }
  return digest;
}

/** The nixbase32 hash part, a stable map key. */
export function digestKey(digest: Uint8Array): string {
  return nixbase32.encode(checkDigest(digest));
}
