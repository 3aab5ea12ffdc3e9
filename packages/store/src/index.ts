/**
 * @tvix-ts/store: the Nix store layer over castore — PathInfo and its services, NAR rendering
 * and ingestion, nar-bridge — wire-compatible with Tvix's `tvix.store.v1`.
 */
export * from "./composition.ts";
export * from "./copy.ts";
export * from "./decompress.ts";
export * from "./errors.ts";
export * from "./grpc/client.ts";
export * from "./grpc/server.ts";
export * from "./import.ts";
export * from "./local-store.ts";
export * from "./nar/ingest.ts";
export * from "./nar/layout.ts";
export * from "./nar/render.ts";
export * from "./nar-bridge/server.ts";
export * from "./nar-bridge/urls.ts";
export * from "./path-info/path-info.ts";
export * from "./path-info/proto.ts";
export * from "./pathinfo/combinators.ts";
export * from "./pathinfo/lru.ts";
export * from "./pathinfo/memory.ts";
export * from "./pathinfo/nix-http.ts";
export * from "./pathinfo/signing.ts";
export * from "./pathinfo/sqlite.ts";
export * from "./pathinfo/types.ts";
export * from "./services.ts";
