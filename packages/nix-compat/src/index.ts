/**
 * @tvix-ts/nix-compat: Nix's formats and protocols as pure functions and streaming codecs.
 * Host-neutral: the only host seam is `crypto/` (digests and Ed25519).
 */
export * from "./binary-cache/cache-info.ts";
export * from "./binary-cache/compression.ts";
export * from "./binary-cache/paths.ts";
export * from "./bytes.ts";
export * from "./crypto/index.ts";
export * from "./derivation/index.ts";
export { NixCompatError } from "./errors.ts";
export * from "./hash/algo.ts";
export * from "./hash/base64.ts";
export * from "./hash/content-address.ts";
export * from "./hash/nix-hash.ts";
export * from "./nar/index.ts";
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
export * as nixbase32 from "./nixbase32.ts";
export { Nixbase32Error } from "./nixbase32.ts";
export * from "./store-path/build.ts";
export * from "./store-path/store-path.ts";
