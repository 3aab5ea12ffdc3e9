/** Errors of importing into castore; each names the host path it is about. */
import { CastoreError } from "../errors.ts";

/**
 * - `unsupported-file-type`: a socket, fifo or device (castore has no such nodes);
 * - `io`: stat/open/read/readlink of the source failed, or it changed while being read;
 * - `invalid`: the source cannot be represented (bad name, symlink target);
 * - `upload`: storing a blob or directory failed (the service error is the cause);
 * - `archive`: an archive is malformed or truncated (the path then names the byte offset);
 * - `decompress`: compressed input is corrupt or truncated.
 */
export type ImportErrorKind =
  | "unsupported-file-type"
  | "io"
  | "invalid"
  | "upload"
  | "archive"
  | "decompress";

export class ImportError extends CastoreError {
  readonly kind: ImportErrorKind;
  readonly path: string;
  constructor(kind: ImportErrorKind, path: string, message: string, options?: { cause?: unknown }) {
    super(kind, `${path}: ${message}`, options);
    this.kind = kind;
    this.path = path;
  }
}
