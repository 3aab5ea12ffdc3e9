/**
 * @tvix-ts/castore: BLAKE3-addressed blobs and Merkle directories, wire-compatible with Tvix's
 * `tvix.castore.v1`.
 */
export * from "./errors.ts";
export * from "./model/blake3.ts";
export * from "./model/digest.ts";
export * from "./model/directory.ts";
export * from "./model/names.ts";
export * from "./model/node.ts";
export * from "./model/proto.ts";
