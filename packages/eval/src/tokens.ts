/**
 * Token kinds of the Nix lexer. Numeric constants (not an enum) so that the lexer can keep kinds
 * in typed arrays and switch on small integers. The names are the ones CppNix's bison grammar
 * uses, because syntax error messages quote them ("unexpected IN_KW, expecting ';'").
 *
 * The constants are typed `number` (not literal types) on purpose: the parser compares the current
 * token kind again after consuming tokens, which literal-type narrowing would reject.
 */

export const T_EOF: number = 0;
export const T_ID: number = 1;
export const T_INT: number = 2;
export const T_FLOAT: number = 3;
/** A literal piece of a "..." string, or of a path after an interpolation. Value: byte string. */
export const T_STR: number = 4;
/** A piece of an indented string. Value: byte string; `indented` tells text from escapes. */
export const T_IND_STR: number = 5;
export const T_PATH: number = 6;
export const T_HPATH: number = 7;
export const T_SPATH: number = 8;
/** Zero-width marker after the last piece of a path literal. */
export const T_PATH_END: number = 9;
export const T_URI: number = 10;
export const T_IF: number = 11;
export const T_THEN: number = 12;
export const T_ELSE: number = 13;
export const T_ASSERT: number = 14;
export const T_WITH: number = 15;
export const T_LET: number = 16;
export const T_IN: number = 17;
export const T_REC: number = 18;
export const T_INHERIT: number = 19;
export const T_OR_KW: number = 20;
export const T_ELLIPSIS: number = 21;
export const T_EQ: number = 22;
export const T_NEQ: number = 23;
export const T_LEQ: number = 24;
export const T_GEQ: number = 25;
export const T_AND: number = 26;
export const T_OR: number = 27;
export const T_IMPL: number = 28;
export const T_UPDATE: number = 29;
export const T_CONCAT: number = 30;
export const T_PIPE_FROM: number = 31;
export const T_PIPE_INTO: number = 32;
export const T_DOLLAR_CURLY: number = 33;
export const T_IND_STRING_OPEN: number = 34;
export const T_IND_STRING_CLOSE: number = 35;
export const T_DQUOTE: number = 36;
export const T_LBRACE: number = 37;
export const T_RBRACE: number = 38;
export const T_LBRACK: number = 39;
export const T_RBRACK: number = 40;
export const T_LPAREN: number = 41;
export const T_RPAREN: number = 42;
export const T_SEMI: number = 43;
export const T_COLON: number = 44;
export const T_COMMA: number = 45;
export const T_AT: number = 46;
export const T_QUESTION: number = 47;
export const T_ASSIGN: number = 48;
export const T_DOT: number = 49;
export const T_BANG: number = 50;
export const T_MINUS: number = 51;
export const T_PLUS: number = 52;
export const T_STAR: number = 53;
export const T_SLASH: number = 54;
export const T_LT: number = 55;
export const T_GT: number = 56;
/** A byte the grammar has no use for (`~`, `$`, `'`, `&`, non-ASCII, ...). */
export const T_INVALID: number = 57;

export const TOKEN_COUNT = 58;

/** How bison (CppNix's parser generator) names each token in "unexpected X, expecting Y". */
export const TOKEN_NAMES: readonly string[] = [
  "end of file",
  "ID",
  "INT_LIT",
  "FLOAT_LIT",
  "STR",
  "IND_STR",
  "PATH",
  "HPATH",
  "SPATH",
  "PATH_END",
  "URI",
  "IF",
  "THEN",
  "ELSE",
  "ASSERT",
  "WITH",
  "LET",
  "IN_KW",
  "REC",
  "INHERIT",
  "OR_KW",
  "ELLIPSIS",
  "EQ",
  "NEQ",
  "LEQ",
  "GEQ",
  "AND",
  "OR",
  "IMPL",
  "UPDATE",
  "CONCAT",
  "PIPE_FROM",
  "PIPE_INTO",
  "DOLLAR_CURLY",
  "IND_STRING_OPEN",
  "IND_STRING_CLOSE",
  "'\"'",
  "'{'",
  "'}'",
  "'['",
  "']'",
  "'('",
  "')'",
  "';'",
  "':'",
  "','",
  "'@'",
  "'?'",
  "'='",
  "'.'",
  "'!'",
  "'-'",
  "'+'",
  "'*'",
  "'/'",
  "'<'",
  "'>'",
  "invalid token",
];

/** Keywords: the lexer looks identifiers up here (a keyword wins over an identifier of equal length). */
export const KEYWORDS: ReadonlyMap<string, number> = new Map([
  ["if", T_IF],
  ["then", T_THEN],
  ["else", T_ELSE],
  ["assert", T_ASSERT],
  ["with", T_WITH],
  ["let", T_LET],
  ["in", T_IN],
  ["rec", T_REC],
  ["inherit", T_INHERIT],
  ["or", T_OR_KW],
]);
