/**
 * @tvix-ts/nix-compat: Nix's formats and protocols as pure functions and streaming codecs.
 * Host-neutral: the only host seams are `crypto/` (digests and Ed25519). `./core` (core.ts) is
 * the part without binary caches, signatures and nix.conf.
 */
export * from "./binary-cache/cache-info.ts";
export * from "./binary-cache/compression.ts";
export * from "./binary-cache/paths.ts";
export * from "./core.ts";
export * from "./narinfo/exported-path-info.ts";
export * from "./narinfo/fingerprint.ts";
export * from "./narinfo/keys.ts";
export * from "./narinfo/narinfo.ts";
export * from "./narinfo/sign.ts";
export {
  parseSignature,
  SIGNATURE_LENGTH,
  Signature,
  SignatureError,
} from "./narinfo/signature.ts";
export * from "./nix-conf/nix-conf.ts";
