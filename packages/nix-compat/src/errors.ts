/**
 * Base class of every error nix-compat throws. Each area has its own subclass so callers can
 * tell a bad NAR from a bad narinfo with `instanceof`; `code` is a stable machine-readable tag.
 */
export class NixCompatError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
