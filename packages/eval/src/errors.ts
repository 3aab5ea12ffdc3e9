/**
 * Parse-time problems. They are values (not thrown JS errors) because the parser collects several
 * of them before giving up; `renderError` formats one the way CppNix prints an error.
 */

/** Which stage found the problem. */
export const ERR_LEX = "lex";
export const ERR_SYNTAX = "syntax";
/** CppNix's checks during parsing: duplicate attributes/formals, dynamic attributes, paths. */
export const ERR_SEMANTIC = "semantic";
/** An identifier with no binding, no global and no enclosing `with`. */
export const ERR_UNDEFINED = "undefined-variable";
/** Nesting deeper than the parser's limit (protects the stack). */
export const ERR_LIMIT = "limit";

export type ParseErrorKind =
  | typeof ERR_LEX
  | typeof ERR_SYNTAX
  | typeof ERR_SEMANTIC
  | typeof ERR_UNDEFINED
  | typeof ERR_LIMIT;

export class ParseError {
  readonly kind: ParseErrorKind;
  /** CppNix's wording, e.g. `undefined variable 'x'`. A byte string (names may hold any byte). */
  readonly message: string;
  /** Byte offsets of the offending source, `start` being where CppNix puts the caret. */
  readonly start: number;
  readonly end: number;

  constructor(kind: ParseErrorKind, message: string, start: number, end: number) {
    this.kind = kind;
    this.message = message;
    this.start = start;
    this.end = end;
  }
}
