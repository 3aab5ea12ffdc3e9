import { NixCompatError } from "../errors.ts";

/**
 * Why a NAR was rejected (reader), could not be written (writer), or a listing is unusable.
 * Stable codes for callers; the message says what was wrong and where.
 */
export type NarErrorCode =
  | "bad-magic"
  | "unexpected-token"
  | "invalid-name"
  | "unsorted-names"
  | "invalid-target"
  | "bad-padding"
  | "too-large"
  | "too-deep"
  | "truncated"
  | "trailing-data"
  | "size-mismatch"
  | "invalid-node"
  | "misuse"
  | "invalid-listing"
  | "unsupported-path-component";

export class NarError extends NixCompatError {
  declare readonly code: NarErrorCode;
  /** Byte offset in the NAR where the problem was found, when it is about NAR bytes. */
  readonly offset: number | undefined;

  constructor(code: NarErrorCode, message: string, offset?: number, options?: { cause?: unknown }) {
    super(code, offset === undefined ? message : `${message} (at NAR offset ${offset})`, options);
    this.offset = offset;
  }
}
