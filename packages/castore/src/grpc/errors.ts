/**
 * Mapping between castore's typed errors and gRPC status codes, in both directions: servers
 * answer with `grpcCodeOf(err)`, clients turn codes back into error kinds so a caller sees the
 * same `kind` whether the service is local or remote.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BlobServiceError,
  DirectoryServiceError,
  grpcCodeOf,
  type ServiceErrorKind,
} from "../errors.ts";

/** For throwing from a server handler. */
export function toConnectError(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ConnectError(message, grpcCodeOf(e) as Code, undefined, undefined, e);
}

/** The service error kind a gRPC status code stands for (the inverse of `grpcCodeOf`). */
export function kindOfCode(code: Code): ServiceErrorKind {
  switch (code) {
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
      return "invalid-request";
    case Code.DataLoss:
      return "integrity";
    case Code.Unimplemented:
      return "unsupported";
    default:
      return "backend";
  }
}

/** For errors a client call raised. */
export function blobErrorFrom(e: unknown): BlobServiceError {
  if (e instanceof BlobServiceError) return e;
  const ce = ConnectError.from(e);
  return new BlobServiceError(kindOfCode(ce.code), `grpc: ${ce.rawMessage}`, { cause: e });
}

export function directoryErrorFrom(e: unknown): DirectoryServiceError {
  if (e instanceof DirectoryServiceError) return e;
  const ce = ConnectError.from(e);
  return new DirectoryServiceError(kindOfCode(ce.code), `grpc: ${ce.rawMessage}`, { cause: e });
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ConnectError && e.code === Code.NotFound;
}
