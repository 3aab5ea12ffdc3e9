/**
 * Errors of the regex engine. The messages are CppNix's (Nix 2.8 `builtins.match`/`split`):
 * every libstdc++ `regex_error` becomes "invalid regular expression '<re>'", except
 * `error_space` (more than 100000 NFA states) which CppNix reports as "memory limit exceeded by
 * regular expression '<re>'". Neither is catchable by `builtins.tryEval` in CppNix.
 *
 * `too-complex` has no CppNix counterpart: libstdc++ backtracks without bound (exponential time
 * or a stack overflow); we stop with this error once the configured work limit is spent.
 */

/**
 * `invalid`: the pattern is not a valid POSIX extended regex (as libstdc++ parses it);
 * `space`: compiling would need more than 100000 NFA states;
 * `too-complex`: matching exceeded the step or memory budget (see `ExecLimits`).
 */
export type RegexErrorKind = "invalid" | "space" | "too-complex";

export class RegexError extends Error {
  override name = "RegexError";
  readonly kind: RegexErrorKind;
  /** The pattern, as a latin1 byte string. */
  readonly pattern: string;
  /** For `invalid`: which libstdc++ error class the pattern triggers (diagnostics only). */
  readonly detail: string;

  constructor(kind: RegexErrorKind, pattern: string, detail = "") {
    super(
      kind === "space"
        ? `memory limit exceeded by regular expression '${pattern}'`
        : kind === "invalid"
          ? `invalid regular expression '${pattern}'`
          : `regular expression '${pattern}' is too complex to evaluate`,
    );
    this.kind = kind;
    this.pattern = pattern;
    this.detail = detail;
  }
}
