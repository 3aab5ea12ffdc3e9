/**
 * The Nix language front end as one module: tokenizer, parser with byte spans and CppNix's
 * parse-time checks, undefined-variable check, error rendering, `--parse` printing. It is also the
 * package entry `@tvix-ts/eval/parse`, which loads only the front end (for `tvix eval --parse`
 * and other tools that do not evaluate).
 */
import type { Expr } from "./ast.ts";
import { utf8Encode } from "./bytes.ts";
import { ERR_UNDEFINED, ParseError } from "./errors.ts";
import { DEFAULT_GLOBALS } from "./globals.ts";
import { type ParserOptions, parseSyntax } from "./parser.ts";
import { checkScopes } from "./scope.ts";
import { ORIGIN_STRING, Source } from "./source.ts";

export * from "./ast.ts";
export { byteStringToBytes, bytesToByteString, utf8Encode, utf8ToByteString } from "./bytes.ts";
export {
  ERR_LEX,
  ERR_LIMIT,
  ERR_SEMANTIC,
  ERR_SYNTAX,
  ERR_UNDEFINED,
  ParseError,
  type ParseErrorKind,
} from "./errors.ts";
export { DEFAULT_GLOBALS } from "./globals.ts";
export { Lexer, type LexerOptions, type TokenValue } from "./lexer.ts";
export { DEFAULT_MAX_DEPTH, type ParserOptions, parseSyntax } from "./parser.ts";
export { absPath, canonPath, dirOf } from "./paths.ts";
export {
  formatFloat,
  isReservedKeyword,
  printIdentifier,
  printLiteralString,
} from "./print-literals.ts";
export {
  DIALECT_CURRENT,
  DIALECT_NIX_2_8,
  type PrintParseOptions,
  printParse,
  printParseBytes,
  showAttrPath,
} from "./print-parse.ts";
export { renderError, renderErrors } from "./render-error.ts";
export { checkScopes } from "./scope.ts";
export { type LineColumn, ORIGIN_STDIN, ORIGIN_STRING, Source } from "./source.ts";
export * as tokens from "./tokens.ts";

export interface ParseOptions extends ParserOptions {
  /**
   * Names defined at the top level, for the undefined-variable check; a set or a predicate.
   * Default: DEFAULT_GLOBALS. `null` skips the check.
   */
  globals?: ReadonlySet<string> | ((name: string) => boolean) | null;
}

export interface ParseResult {
  source: Source;
  /** The AST, or null when there were errors. */
  expr: Expr | null;
  /**
   * Empty on success. Parse errors come first, by position; then undefined variables, in the order
   * CppNix's variable binding pass meets them.
   */
  errors: ParseError[];
}

/**
 * Parses Nix source (bytes, a Source, or JS text which is encoded as UTF-8) the way
 * `nix-instantiate --parse` does: syntax, CppNix's parse-time checks, then undefined variables
 * (skipped if the syntax was wrong, to avoid follow-on noise).
 */
export function parse(
  input: Source | Uint8Array | string,
  options: ParseOptions = {},
): ParseResult {
  const source =
    input instanceof Source
      ? input
      : new Source(typeof input === "string" ? utf8Encode(input) : input, ORIGIN_STRING);
  const { expr, errors } = parseSyntax(source, options);
  const globals = options.globals === undefined ? DEFAULT_GLOBALS : options.globals;
  if (expr !== null && globals !== null && !errors.some((e) => e.kind !== "semantic")) {
    const isGlobal = typeof globals === "function" ? globals : (n: string) => globals.has(n);
    const maxErrors = options.maxErrors ?? 20;
    // Reported after the parse errors, in the order CppNix's bindVars meets them.
    checkScopes(expr, isGlobal, (name, start, end) => {
      if (errors.length < maxErrors)
        errors.push(new ParseError(ERR_UNDEFINED, `undefined variable '${name}'`, start, end));
    });
  }
  return { source, expr: errors.length === 0 ? expr : null, errors };
}
