/**
 * castore's error classes. Data-model validation errors (bad names, digests, directories) are
 * `ValidationError`s; each service has its own class whose `kind` says what went wrong, so a
 * caller can tell a bad request from corrupt data from a failing backend. "Not found" is never an
 * error: lookups return `undefined` (or an empty stream).
 */

/** Base of every error castore throws; `code` is a stable machine-readable tag. */
export class CastoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Invalid data-model values. Codes mirror Tvix's error variants (castore-store.md §1.10):
 * `InvalidDigestLen`, `InvalidName`, `InvalidSymlinkTarget`, `DuplicateName`, `WrongSorting`,
 * `InvalidNode`, `SizeOverflow`, `NoNodeSet`, `NameInAnonymousNode`.
 */
export class ValidationError extends CastoreError {}

/**
 * What went wrong in a service call:
 * - `invalid-request`: the caller sent something unacceptable (bad digest length, invalid
 *   directory, closure out of order, digest not what the caller promised, writer already closed);
 * - `integrity`: stored or received data does not hash to what it claims (corruption);
 * - `backend`: the storage itself failed (IO, database, network);
 * - `unsupported`: the backend cannot do this operation at all.
 */
export type ServiceErrorKind = "invalid-request" | "integrity" | "backend" | "unsupported";

/** Base of BlobServiceError and DirectoryServiceError. */
export class ServiceError extends CastoreError {
  readonly kind: ServiceErrorKind;
  constructor(kind: ServiceErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind, message, options);
    this.kind = kind;
  }
}

export class BlobServiceError extends ServiceError {}
export class DirectoryServiceError extends ServiceError {}

/** gRPC status codes castore maps its errors to (numeric values from the gRPC spec). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  DATA_LOSS: 15,
} as const;

/**
 * The gRPC status code a server answers for `err`. Validation errors are the client's fault;
 * integrity failures are DATA_LOSS (as Tvix maps its StorageError); anything unknown is INTERNAL.
 */
export function grpcCodeOf(err: unknown): number {
  if (err instanceof ValidationError) return GrpcCode.INVALID_ARGUMENT;
  if (err instanceof ServiceError) {
    switch (err.kind) {
      case "invalid-request":
        return GrpcCode.INVALID_ARGUMENT;
      case "integrity":
        return GrpcCode.DATA_LOSS;
      case "unsupported":
        return GrpcCode.UNIMPLEMENTED;
      case "backend":
        return GrpcCode.INTERNAL;
    }
  }
  return GrpcCode.INTERNAL;
}

/** A service URL or composition entry that cannot be turned into a service. */
export class ConfigError extends CastoreError {}
