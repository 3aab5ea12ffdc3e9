/**
 * @tvix-ts/castore: BLAKE3-addressed blobs and Merkle directories, wire-compatible with Tvix's
 * `tvix.castore.v1`.
 */

export * from "./blob/combined.ts";
export * from "./blob/fastcdc.ts";
export * from "./blob/memory.ts";
export * from "./blob/objectstore.ts";
export * from "./blob/priority.ts";
export * from "./blob/race.ts";
export * from "./blob/reader.ts";
export * from "./blob/types.ts";
export * from "./composition/builtins.ts";
export * from "./composition/composition.ts";
export * from "./composition/defaults.ts";
export * from "./composition/fields.ts";
export * from "./composition/generic-builders.ts";
export * from "./composition/registry.ts";
export * from "./composition/toml.ts";
export * from "./directory/cache.ts";
export * from "./directory/closure.ts";
export * from "./directory/memory.ts";
export * from "./directory/objectstore.ts";
export * from "./directory/priority.ts";
export * from "./directory/putter.ts";
export * from "./directory/race.ts";
export * from "./directory/sqlite.ts";
export * from "./directory/traverse.ts";
export * from "./directory/types.ts";
export * from "./errors.ts";
/** Tvix's test fixtures (castore-store.md §16), for other packages' tests. */
export * as fixtures from "./fixtures.ts";
export * from "./from-url.ts";
export * from "./grpc/blob-client.ts";
export * from "./grpc/directory-client.ts";
export { kindOfCode, toConnectError } from "./grpc/errors.ts";
export * from "./grpc/server.ts";
export * from "./grpc/transport.ts";
export * from "./import/archive.ts";
export * from "./import/blob-uploader.ts";
export * from "./import/decompress.ts";
export * from "./import/errors.ts";
export * from "./import/fs.ts";
export * from "./import/tar/reader.ts";
export * from "./model/blake3.ts";
export * from "./model/digest.ts";
export * from "./model/directory.ts";
export * from "./model/names.ts";
export * from "./model/node.ts";
export * from "./model/proto.ts";
export * from "./objectstore/file.ts";
export * from "./objectstore/memory.ts";
export * from "./objectstore/s3.ts";
export * from "./objectstore/types.ts";
export * from "./refscan.ts";
