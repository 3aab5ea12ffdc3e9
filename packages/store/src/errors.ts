/**
 * The store's error classes. Like castore, "not found" is a value (`undefined`), never an
 * error, and bad input, corrupt data and failing backends are told apart:
 * - `PathInfoError`: a PathInfo (or its protobuf message) is invalid; `code` is Tvix's variant
 *   name (castore-store.md §9.3), so tests and callers can match on it.
 * - `PathInfoServiceError`: a service call failed; `kind` as in castore (`invalid-request`,
 *   `integrity`, `backend`, `unsupported`), so one gRPC mapping serves both packages.
 * - `FrankenbuildError`: a binary cache's path was built against a different version of a
 *   reference than the one we hold (an `integrity` failure naming both sides).
 * - `NarRenderError` / `NarIngestError`: turning castore contents into a NAR or back failed.
 */
import { CastoreError, GrpcCode, grpcCodeOf, ServiceError } from "@tvix-ts/castore";

export class StoreError extends CastoreError {}

export type PathInfoErrorCode =
  | "InvalidProto"
  | "NarInfoFieldMissing"
  | "InvalidReferenceDigestLen"
  | "InconsistentNumberOfReferences"
  | "InvalidNarinfoReferenceName"
  | "InconsistentNarinfoReferenceNameDigest"
  | "InvalidReferenceNodes"
  | "NoNodePresent"
  | "InvalidRootNode"
  | "InvalidNodeName"
  | "InvalidNarSha256DigestLen"
  | "InvalidNarSize"
  | "InvalidDeriverField"
  | "InvalidSignature"
  | "InvalidCaField";

export class PathInfoError extends StoreError {
  declare readonly code: PathInfoErrorCode;
  constructor(code: PathInfoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export class PathInfoServiceError extends ServiceError {}

/** A reference's NAR hash at the cache differs from what we already hold for that path. */
export class FrankenbuildError extends PathInfoServiceError {
  /** The path being fetched. */
  readonly path: string;
  /** The reference whose contents disagree. */
  readonly reference: string;
  /** NAR hash (`sha256:<nixbase32>`) we hold for the reference. */
  readonly ours: string;
  /** NAR hash the cache's narinfo states for the reference. */
  readonly theirs: string;
  constructor(path: string, reference: string, ours: string, theirs: string) {
    super(
      "integrity",
      `frankenbuild: ${path} refers to ${reference}, which we hold with NarHash ${ours} but the cache has with NarHash ${theirs}`,
    );
    this.path = path;
    this.reference = reference;
    this.ours = ours;
    this.theirs = theirs;
  }
}

export type NarRenderErrorCode =
  | "blob-not-found"
  | "directory-not-found"
  | "size-mismatch"
  | "invalid-tree"
  | "backend";

export class NarRenderError extends StoreError {
  declare readonly code: NarRenderErrorCode;
  constructor(code: NarRenderErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * - `invalid-nar`: the NAR is malformed (the nix-compat `NarError` is the cause);
 * - `upload`: storing a blob or directory failed;
 * - `hash-mismatch` / `size-mismatch`: the NAR is not the one that was announced.
 */
export type NarIngestErrorCode = "invalid-nar" | "upload" | "hash-mismatch" | "size-mismatch";

export class NarIngestError extends StoreError {
  declare readonly code: NarIngestErrorCode;
  constructor(code: NarIngestErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The first error in `e`'s cause chain (`e` itself, its `cause`, that one's `cause`, ...) that
 * `match` accepts: layers wrap each other's errors, and what went wrong is often further down.
 */
export function findCause<T>(e: unknown, match: (c: unknown) => c is T): T | undefined {
  // Bounded: a chain can be cyclic.
  for (let c = e, depth = 0; c !== undefined && c !== null && depth < 32; depth++) {
    if (match(c)) return c;
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The gRPC status a server answers for a store (or castore) error. */
export function storeGrpcCodeOf(e: unknown): number {
  if (e instanceof PathInfoError) return GrpcCode.INVALID_ARGUMENT;
  if (e instanceof NarRenderError) {
    return e.code === "blob-not-found" || e.code === "directory-not-found"
      ? GrpcCode.NOT_FOUND
      : GrpcCode.DATA_LOSS;
  }
  if (e instanceof NarIngestError) {
    return e.code === "upload" ? GrpcCode.INTERNAL : GrpcCode.INVALID_ARGUMENT;
  }
  return grpcCodeOf(e);
}
