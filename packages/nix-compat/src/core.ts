/**
 * @tvix-ts/nix-compat/core: the part of nix-compat that an evaluator needs — bytes, digests,
 * hashes, store paths, derivations and NAR — without binary-cache metadata, signatures and
 * nix.conf. Importing only this keeps Ed25519 (and its curve precomputation at load) out of
 * `tvix eval`'s start-up; the package root exports everything.
 */
export * from "./bytes.ts";
export * from "./crypto/index.ts";
export * from "./derivation/index.ts";
export { NixCompatError } from "./errors.ts";
export * from "./hash/algo.ts";
export * from "./hash/base64.ts";
export * from "./hash/content-address.ts";
export * from "./hash/nix-hash.ts";
export * from "./nar/index.ts";
export * as nixbase32 from "./nixbase32.ts";
export { Nixbase32Error } from "./nixbase32.ts";
export * from "./store-path/build.ts";
export * from "./store-path/store-path.ts";
