/** Signing and verifying narinfos (spec §4.2, §4.3). */
import { signatureProvider as defaultProvider } from "#signature";
import type { SignatureProvider } from "../crypto/provider.ts";
import { type FingerprintOptions, fingerprint } from "./fingerprint.ts";
import type { SigningKey, VerifyingKey } from "./keys.ts";
import type { NarInfo } from "./narinfo.ts";
import type { Signature } from "./signature.ts";

/**
 * The fingerprint a narinfo's signatures sign: CppNix's form, with sorted references
 * (`keepOrder` gives Tvix's form with the references as listed).
 */
export function narInfoFingerprint(
  info: Pick<NarInfo, "storePath" | "narHash" | "narSize" | "references">,
  opts: FingerprintOptions = {},
): string {
  return fingerprint(info.storePath, info.narHash, info.narSize, info.references, opts);
}

/**
 * Signs the narinfo's (CppNix) fingerprint with `key` and appends the signature (Tvix's `add_signature`)
 * unless the very same signature is already there (CppNix keeps signatures in a set).
 * Returns the signature.
 */
export function addNarInfoSignature(
  info: NarInfo,
  key: SigningKey,
  opts: FingerprintOptions & { provider?: SignatureProvider } = {},
): Signature {
  const sig = key.sign(narInfoFingerprint(info, opts), opts.provider ?? defaultProvider);
  if (!info.signatures.some((s) => s.equals(sig))) info.signatures.push(sig);
  return sig;
}

/**
 * The narinfo's signatures that a trusted key verifies (CppNix counts these to decide whether
 * a path is trusted). Signatures by unknown keys and invalid signatures are skipped.
 *
 * A signature counts if it signs CppNix's fingerprint (sorted references) or, when the
 * references are listed in another order, the fingerprint with the references as listed (what
 * Tvix checks): some old cache.nixos.org narinfos are signed that way. Both strings state the
 * same path, NAR hash, size and set of references, so accepting either lets nothing through
 * that the key's owner did not sign.
 */
export function validNarInfoSignatures(
  info: NarInfo,
  trustedKeys: Iterable<VerifyingKey>,
  opts: FingerprintOptions & { provider?: SignatureProvider } = {},
): Signature[] {
  const keys = [...trustedKeys];
  if (info.signatures.length === 0 || keys.length === 0) return [];
  const fp = narInfoFingerprint(info, { ...opts, keepOrder: false });
  const listed = narInfoFingerprint(info, { ...opts, keepOrder: true });
  const provider = opts.provider ?? defaultProvider;
  return info.signatures.filter((sig) =>
    keys.some(
      (k) =>
        k.name === sig.name &&
        (k.verify(fp, sig, provider) || (listed !== fp && k.verify(listed, sig, provider))),
    ),
  );
}

/** True when at least one of the narinfo's signatures is valid under a trusted key. */
export function isNarInfoTrusted(
  info: NarInfo,
  trustedKeys: Iterable<VerifyingKey>,
  opts: FingerprintOptions & { provider?: SignatureProvider } = {},
): boolean {
  return validNarInfoSignatures(info, trustedKeys, opts).length > 0;
}
