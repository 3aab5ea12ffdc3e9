/**
 * The Nix tokenizer. It reproduces CppNix's flex scanner (`lexer.l`) exactly, including its
 * longest-match rule between identifiers, numbers, paths and URIs (`a/b` is a path, `1.0/3` is a
 * path, `x:x` is a URI, `1e6` is `1` then `e6`) and its stack of start conditions for strings,
 * indented strings, interpolations and interpolated paths.
 *
 * Modelled on Acorn: it works on a Uint8Array with a char-code switch and no regular expressions,
 * produces one token per `next()` call into plain fields, and never looks back. Problems CppNix
 * reports from its lexer (bad numbers, trailing slashes, disabled pipe operators) are recorded and
 * lexing goes on, so the parser can report more than one error.
 */
import { bytesToByteString } from "./bytes.ts";
import { ERR_LEX, ParseError } from "./errors.ts";
import { Interner } from "./interner.ts";
import {
  KEYWORDS,
  T_AND,
  T_ASSIGN,
  T_AT,
  T_BANG,
  T_COLON,
  T_COMMA,
  T_CONCAT,
  T_DOLLAR_CURLY,
  T_DOT,
  T_DQUOTE,
  T_ELLIPSIS,
  T_EOF,
  T_EQ,
  T_FLOAT,
  T_GEQ,
  T_GT,
  T_HPATH,
  T_ID,
  T_IMPL,
  T_IND_STR,
  T_IND_STRING_CLOSE,
  T_IND_STRING_OPEN,
  T_INT,
  T_INVALID,
  T_LBRACE,
  T_LBRACK,
  T_LEQ,
  T_LPAREN,
  T_LT,
  T_MINUS,
  T_NEQ,
  T_OR,
  T_PATH,
  T_PATH_END,
  T_PIPE_FROM,
  T_PIPE_INTO,
  T_PLUS,
  T_QUESTION,
  T_RBRACE,
  T_RBRACK,
  T_RPAREN,
  T_SEMI,
  T_SLASH,
  T_SPATH,
  T_STAR,
  T_STR,
  T_UPDATE,
  T_URI,
} from "./tokens.ts";

// Start conditions (flex states). INITIAL is the bottom of the stack: a `}` there does not pop.
const S_INITIAL = 0;
const S_DEFAULT = 1;
const S_STRING = 2;
const S_IND_STRING = 3;
const S_INPATH = 4;
const S_INPATH_SLASH = 5;

// Character classes, as bits in a 256-entry table.
const C_ID_START = 1; // [a-zA-Z_]
const C_ID = 2; // [a-zA-Z0-9_'-]
const C_PATH = 4; // [a-zA-Z0-9._+-]
const C_SCHEME = 8; // [a-zA-Z0-9+.-]
const C_URI = 16; // [a-zA-Z0-9%/?:@&=+$,_.!~*'-]
const C_DIGIT = 32;
const C_LETTER = 64;

const CLS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  const letter = /[a-zA-Z]/.test(ch);
  const digit = c >= 48 && c <= 57;
  let f = 0;
  if (letter) f |= C_LETTER;
  if (digit) f |= C_DIGIT;
  if (letter || ch === "_") f |= C_ID_START;
  if (letter || digit || ch === "_" || ch === "'" || ch === "-") f |= C_ID;
  if (letter || digit || "._+-".includes(ch)) f |= C_PATH;
  if (letter || digit || "+.-".includes(ch)) f |= C_SCHEME;
  if (letter || digit || "%/?:@&=+$,-_.!~*'".includes(ch)) f |= C_URI;
  CLS[c] = f;
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_BANG = 33;
const CH_DQUOTE = 34;
const CH_HASH = 35;
const CH_DOLLAR = 36;
const CH_AMP = 38;
const CH_QUOTE = 39;
const CH_STAR = 42;
const CH_PLUS = 43;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_LT = 60;
const CH_EQ = 61;
const CH_GT = 62;
const CH_BACKSLASH = 92;
const CH_E = 69;
const CH_e = 101;
const CH_LBRACE = 123;
const CH_PIPE = 124;
const CH_RBRACE = 125;
const CH_TILDE = 126;

/** Tokens for bytes that are a token on their own (CppNix's `{ANY}` rule). */
const SINGLE = new Uint8Array(256).fill(T_INVALID);
SINGLE[40] = T_LPAREN;
SINGLE[41] = T_RPAREN;
SINGLE[91] = T_LBRACK;
SINGLE[93] = T_RBRACK;
SINGLE[59] = T_SEMI;
SINGLE[58] = T_COLON;
SINGLE[44] = T_COMMA;
SINGLE[64] = T_AT;
SINGLE[63] = T_QUESTION;
SINGLE[61] = T_ASSIGN;
SINGLE[46] = T_DOT;
SINGLE[33] = T_BANG;
SINGLE[45] = T_MINUS;
SINGLE[43] = T_PLUS;
SINGLE[42] = T_STAR;
SINGLE[47] = T_SLASH;
SINGLE[60] = T_LT;
SINGLE[62] = T_GT;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MAX = (1n << 63n) - 1n;
const MIN_NORMAL = 2.2250738585072014e-308;

export interface LexerOptions {
  /** Accept `|>` and `<|` (CppNix's experimental `pipe-operators` feature). */
  pipeOperators?: boolean;
}

/** Token value: identifier or string bytes, number, or nothing. */
export type TokenValue = string | number | bigint | null;

export class Lexer {
  readonly src: Uint8Array;
  readonly len: number;
  /** Where scanning continues. */
  pos = 0;

  // The token just produced by `next()`.
  kind = T_EOF;
  start = 0;
  end = 0;
  value: TokenValue = null;
  /** For IND_STR: true for text (counts toward indentation), false for escapes. */
  indented = false;

  readonly errors: ParseError[] = [];
  private readonly pipeOperators: boolean;
  private states: number[] = [S_INITIAL];
  private readonly interner: Interner;
  // Scans that later tokens would repeat, cached so that `a.b.c.d...` or `1.1.1...` stays linear:
  // a maximal run of path (or URI scheme) characters ends at the same place from any point in it.
  private pathRunStart = -1;
  private pathRunEnd = -1;
  private schemeRunStart = -1;
  private schemeRunEnd = -1;
  /** A `/*` at or after this offset has no closing `*\/` (so it is not a comment). */
  private noCommentCloseFrom = -1;

  constructor(src: Uint8Array, options: LexerOptions = {}) {
    this.src = src;
    this.len = src.length;
    this.pipeOperators = options.pipeOperators ?? false;
    this.interner = new Interner(KEYWORDS, T_ID);
  }

  /** Scans the next token into `kind`, `start`, `end`, `value`. */
  next(): void {
    this.value = null;
    switch (this.states[this.states.length - 1]) {
      case S_INITIAL:
      case S_DEFAULT:
        this.lexDefault();
        break;
      case S_STRING:
        this.lexString();
        break;
      case S_IND_STRING:
        this.lexIndString();
        break;
      default:
        this.lexInPath();
    }
  }

  private tok(kind: number, start: number, end: number): void {
    this.kind = kind;
    this.start = start;
    this.end = end;
    this.pos = end;
  }

  private error(message: string, start: number, end: number): void {
    this.errors.push(new ParseError(ERR_LEX, message, start, end));
  }

  private push(state: number): void {
    this.states.push(state);
  }

  private pop(): void {
    if (this.states.length > 1) this.states.pop();
  }

  private lexDefault(): void {
    const src = this.src;
    const len = this.len;
    let p = this.pos;
    // Whitespace and comments (`#` to end of line; `/* */`, which covers doc comments).
    for (;;) {
      if (p >= len) {
        this.tok(T_EOF, len, len);
        return;
      }
      const c = src[p];
      if (c === CH_SPACE || c === CH_LF || c === CH_TAB || c === CH_CR) {
        p++;
      } else if (c === CH_HASH) {
        p++;
        while (p < len) {
          const d = src[p];
          if (d === CH_LF || d === CH_CR) break;
          p++;
        }
      } else if (c === CH_SLASH && src[p + 1] === CH_STAR) {
        if (this.noCommentCloseFrom >= 0 && p >= this.noCommentCloseFrom) break;
        const close = commentEnd(src, p + 2, len);
        if (close < 0) {
          // Unterminated: not a comment; lexes as `/` then `*`.
          this.noCommentCloseFrom = p;
          break;
        }
        p = close;
      } else break;
    }
    const start = p;
    const c = src[p];
    const cls = CLS[c];

    if (cls & C_ID_START) {
      // Identifier or keyword, unless a path or URI starting here is longer.
      let q = p + 1;
      let h = Math.imul(0x811c9dc5 ^ c, 0x01000193);
      while (q < len) {
        const d = src[q];
        if (!(CLS[d] & C_ID)) break;
        h = Math.imul(h ^ d, 0x01000193);
        q++;
      }
      const d = q < len ? src[q] : 0;
      // Only these bytes can extend a path (`a.b/c`, `a+/b`, `a/b`) or URI (`a.b+c:d`) past the
      // identifier; otherwise the identifier is the longest match.
      if (d === CH_SLASH || d === 58 || d === CH_DOT || d === CH_PLUS) {
        if (this.lexPathLike(start, q, (cls & C_LETTER) !== 0)) return;
      }
      const i = this.interner.intern(src, start, q, h);
      this.tok(this.interner.kinds[i], start, q);
      this.value = this.interner.names[i];
      return;
    }

    if (cls & C_DIGIT) {
      let q = p + 1;
      while (q < len && CLS[src[q]] & C_DIGIT) q++;
      const d = q < len ? src[q] : 0;
      if (d === CH_DOT || CLS[d] & C_PATH || d === CH_SLASH) {
        if (this.lexPathLike(start, q, false)) return;
      }
      this.intToken(start, q);
      return;
    }

    switch (c) {
      case CH_DOT: {
        // `...`, `.5`, `./path`, `.`
        if (this.lexPathLike(start, start, false)) return;
        if (src[p + 1] === CH_DOT && src[p + 2] === CH_DOT) this.tok(T_ELLIPSIS, p, p + 3);
        else this.tok(T_DOT, p, p + 1);
        return;
      }
      case CH_SLASH: {
        if (this.lexPathLike(start, start, false)) return;
        if (src[p + 1] === CH_SLASH) this.tok(T_UPDATE, p, p + 2);
        else this.tok(T_SLASH, p, p + 1);
        return;
      }
      case CH_PLUS: {
        if (this.lexPathLike(start, start, false)) return;
        if (src[p + 1] === CH_PLUS) this.tok(T_CONCAT, p, p + 2);
        else this.tok(T_PLUS, p, p + 1);
        return;
      }
      case CH_MINUS: {
        if (this.lexPathLike(start, start, false)) return;
        if (src[p + 1] === CH_GT) this.tok(T_IMPL, p, p + 2);
        else this.tok(T_MINUS, p, p + 1);
        return;
      }
      case CH_DQUOTE:
        this.push(S_STRING);
        this.tok(T_DQUOTE, p, p + 1);
        return;
      case CH_LBRACE:
        this.push(S_DEFAULT);
        this.tok(T_LBRACE, p, p + 1);
        return;
      case CH_RBRACE:
        this.pop();
        this.tok(T_RBRACE, p, p + 1);
        return;
      case CH_DOLLAR:
        if (src[p + 1] === CH_LBRACE) {
          this.push(S_DEFAULT);
          this.tok(T_DOLLAR_CURLY, p, p + 2);
        } else this.tok(T_INVALID, p, p + 1);
        return;
      case CH_QUOTE: {
        if (src[p + 1] === CH_QUOTE) {
          // `''` plus, if only spaces follow up to a newline, those spaces and the newline.
          let q = p + 2;
          while (q < len && src[q] === CH_SPACE) q++;
          const end = q < len && src[q] === CH_LF ? q + 1 : p + 2;
          this.push(S_IND_STRING);
          this.tok(T_IND_STRING_OPEN, p, end);
        } else this.tok(T_INVALID, p, p + 1);
        return;
      }
      case CH_TILDE: {
        // `~/a/b` (HPATH), or `~/` right before `${`.
        if (src[p + 1] === CH_SLASH) {
          if (src[p + 2] === CH_DOLLAR && src[p + 3] === CH_LBRACE) {
            this.push(S_INPATH_SLASH);
            this.tok(T_HPATH, p, p + 2);
            this.value = "~/";
            return;
          }
          const e = pathTail(src, p + 1, len);
          if (e > 0) {
            this.push(src[e - 1] === CH_SLASH ? S_INPATH_SLASH : S_INPATH);
            this.tok(T_HPATH, p, e);
            this.value = bytesToByteString(src, p, e);
            return;
          }
        }
        this.tok(T_INVALID, p, p + 1);
        return;
      }
      case CH_LT: {
        // `<nixpkgs/lib>` (SPATH), `<=`, `<|`, `<`
        const e = spathEnd(src, p, len);
        if (e > 0) {
          this.tok(T_SPATH, p, e);
          this.value = bytesToByteString(src, p + 1, e - 1);
          return;
        }
        const d = src[p + 1];
        if (d === CH_EQ) this.tok(T_LEQ, p, p + 2);
        else if (d === CH_PIPE) this.pipe(T_PIPE_FROM, p);
        else this.tok(T_LT, p, p + 1);
        return;
      }
      case CH_GT:
        if (src[p + 1] === CH_EQ) this.tok(T_GEQ, p, p + 2);
        else this.tok(T_GT, p, p + 1);
        return;
      case CH_EQ:
        if (src[p + 1] === CH_EQ) this.tok(T_EQ, p, p + 2);
        else this.tok(T_ASSIGN, p, p + 1);
        return;
      case CH_BANG:
        if (src[p + 1] === CH_EQ) this.tok(T_NEQ, p, p + 2);
        else this.tok(T_BANG, p, p + 1);
        return;
      case CH_AMP:
        if (src[p + 1] === CH_AMP) this.tok(T_AND, p, p + 2);
        else this.tok(T_INVALID, p, p + 1);
        return;
      case CH_PIPE: {
        const d = src[p + 1];
        if (d === CH_PIPE) this.tok(T_OR, p, p + 2);
        else if (d === CH_GT) this.pipe(T_PIPE_INTO, p);
        else this.tok(T_INVALID, p, p + 1);
        return;
      }
      case 0:
        // CppNix's scanner hands a NUL byte to the parser as token 0, which is end of input.
        this.tok(T_EOF, p, p);
        return;
      default:
        this.tok(SINGLE[c], p, p + 1);
    }
  }

  private pipe(kind: number, p: number): void {
    if (!this.pipeOperators)
      this.error(
        "experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it",
        p,
        p + 2,
      );
    this.tok(kind, p, p + 2);
  }

  /**
   * Tries the rules that can be longer than an identifier or number starting at `start`: paths
   * (`{PATH}`, `{PATH_SEG}${`), URIs and floats. `idEnd` is where a plain identifier/integer would
   * end (for comparing lengths). Returns false when the shorter token should be produced.
   */
  private lexPathLike(start: number, idEnd: number, letter: boolean): boolean {
    const src = this.src;
    const len = this.len;
    // Run of path characters, then possibly `/segment`s.
    let run: number;
    if (start > this.pathRunStart && start < this.pathRunEnd) run = this.pathRunEnd;
    else {
      run = start;
      while (run < len && CLS[src[run]] & C_PATH) run++;
      this.pathRunStart = start;
      this.pathRunEnd = run;
    }
    let pathEnd = -1;
    let segEnd = -1;
    if (run < len && src[run] === CH_SLASH) {
      pathEnd = pathTail(src, run, len);
      if (src[run + 1] === CH_DOLLAR && src[run + 2] === CH_LBRACE) segEnd = run + 1;
    }
    let uriEnd = -1;
    if (letter) {
      let q: number;
      if (start > this.schemeRunStart && start < this.schemeRunEnd) q = this.schemeRunEnd;
      else {
        q = start + 1;
        while (q < len && CLS[src[q]] & C_SCHEME) q++;
        this.schemeRunStart = start;
        this.schemeRunEnd = q;
      }
      if (q < len && src[q] === 58) {
        let r = q + 1;
        while (r < len && CLS[src[r]] & C_URI) r++;
        if (r > q + 1) uriEnd = r;
      }
    }
    const floatEnd = matchFloat(src, start, len);
    // `{PATH_SEG}\$\{` matches through the `${`, so it competes with that length.
    const segMatch = segEnd > 0 ? segEnd + 2 : -1;
    const best = Math.max(idEnd, pathEnd, segMatch, uriEnd, floatEnd);
    if (best <= idEnd) {
      // Identifier/integer wins ties (earlier rule); for `.`, `/`, `+`, `-` idEnd === start and
      // the caller produces the operator.
      if (idEnd > start || best <= start) return false;
    }
    if (best === floatEnd && floatEnd > Math.max(idEnd, pathEnd, segMatch, uriEnd)) {
      this.floatToken(start, floatEnd);
      return true;
    }
    if (best === segMatch) {
      // `a/${`: CppNix re-scans `a/` as a PATH token and continues after the slash.
      this.push(S_INPATH_SLASH);
      this.tok(T_PATH, start, segEnd);
      this.value = bytesToByteString(src, start, segEnd);
      return true;
    }
    if (best === pathEnd) {
      this.push(src[pathEnd - 1] === CH_SLASH ? S_INPATH_SLASH : S_INPATH);
      this.tok(T_PATH, start, pathEnd);
      this.value = bytesToByteString(src, start, pathEnd);
      return true;
    }
    if (best === uriEnd) {
      this.tok(T_URI, start, uriEnd);
      this.value = bytesToByteString(src, start, uriEnd);
      return true;
    }
    if (best === floatEnd) {
      this.floatToken(start, floatEnd);
      return true;
    }
    return false;
  }

  private intToken(start: number, end: number): void {
    this.tok(T_INT, start, end);
    const src = this.src;
    if (end - start <= 15) {
      let n = 0;
      for (let i = start; i < end; i++) n = n * 10 + (src[i] - CH_0);
      this.value = n;
      return;
    }
    const text = bytesToByteString(src, start, end);
    const big = BigInt(text);
    if (big > INT64_MAX) {
      this.error(`invalid integer '${text}'`, start, end);
      this.value = 0;
    } else this.value = big <= MAX_SAFE ? Number(big) : big;
  }

  private floatToken(start: number, end: number): void {
    this.tok(T_FLOAT, start, end);
    const text = bytesToByteString(this.src, start, end);
    const v = Number(text);
    // strtod reports overflow and underflow (including subnormal results) with ERANGE, which
    // CppNix turns into an error.
    if (
      !Number.isFinite(v) ||
      (v === 0 && /[1-9]/.test(mantissa(text))) ||
      (v !== 0 && v < MIN_NORMAL)
    ) {
      this.error(`invalid float '${text}'`, start, end);
      this.value = 0;
    } else this.value = v;
  }

  /** Inside "...": a literal run, `${`, or the closing quote. */
  private lexString(): void {
    const src = this.src;
    const len = this.len;
    const p = this.pos;
    if (p >= len) {
      this.tok(T_EOF, len, len);
      return;
    }
    const c = src[p];
    if (c === CH_DQUOTE) {
      this.pop();
      this.tok(T_DQUOTE, p, p + 1);
      return;
    }
    if (c === CH_DOLLAR && src[p + 1] === CH_LBRACE) {
      this.push(S_DEFAULT);
      this.tok(T_DOLLAR_CURLY, p, p + 2);
      return;
    }
    // ([^$"\\] | \$[^{"\\] | \\ANY | \$\\ANY)+, or the same ending in a `$` right before `"`.
    let q = p;
    let simple = true;
    while (q < len) {
      const d = src[q];
      if (d === CH_DQUOTE) break;
      if (d === CH_BACKSLASH) {
        if (q + 1 >= len) break;
        simple = false;
        q += 2;
      } else if (d === CH_DOLLAR) {
        if (q + 1 >= len) break;
        const n = src[q + 1];
        if (n === CH_LBRACE) break;
        if (n === CH_DQUOTE) {
          q++;
          break;
        }
        if (n === CH_BACKSLASH) {
          if (q + 2 >= len) break;
          simple = false;
          q += 3;
        } else q += 2;
      } else {
        if (d === CH_CR || d === 0) simple = false;
        q++;
      }
    }
    if (q === p) {
      // A lone `$` or `\` at the end of the input: CppNix returns end-of-file here.
      this.tok(T_EOF, len, len);
      this.pos = len;
      return;
    }
    this.tok(T_STR, p, q);
    this.value = simple ? bytesToByteString(src, p, q) : this.unescape(p, q);
  }

  /**
   * CppNix's `unescapeStr`: `\n` `\r` `\t` are control characters, any other escaped byte stands
   * for itself, and raw CR or CR LF becomes LF.
   */
  private unescape(start: number, end: number): string {
    const src = this.src;
    const out: number[] = [];
    for (let i = start; i < end; i++) {
      let c = src[i];
      if (c === CH_BACKSLASH && i + 1 < end) {
        c = src[++i];
        if (c === 110) c = CH_LF;
        else if (c === 114) c = CH_CR;
        else if (c === 116) c = CH_TAB;
      } else if (c === CH_CR) {
        c = CH_LF;
        if (src[i + 1] === CH_LF && i + 1 < end) i++;
      }
      if (c === 0) {
        this.error("string literals cannot contain NUL bytes", start, end);
        break;
      }
      out.push(c);
    }
    return codesToString(out);
  }

  /** Inside ''...'': text runs, escapes (`''$`, `'''`, `''\x`, lone `$` and `'`), `${`, `''`. */
  private lexIndString(): void {
    const src = this.src;
    const len = this.len;
    const p = this.pos;
    if (p >= len) {
      this.tok(T_EOF, len, len);
      return;
    }
    const c = src[p];
    if (c === CH_QUOTE) {
      if (src[p + 1] === CH_QUOTE) {
        const d = src[p + 2];
        if (p + 2 < len && d === CH_DOLLAR) {
          this.indEscape(p, p + 3, "$");
          return;
        }
        if (p + 2 < len && d === CH_QUOTE) {
          this.indEscape(p, p + 3, "''");
          return;
        }
        if (p + 3 < len && d === CH_BACKSLASH) {
          const e = src[p + 3];
          let s: string;
          if (e === 110) s = "\n";
          else if (e === 114) s = "\r";
          else if (e === 116) s = "\t";
          else s = String.fromCharCode(e);
          if (e === 0) this.error("string literals cannot contain NUL bytes", p, p + 4);
          this.indEscape(p, p + 4, s);
          return;
        }
        this.pop();
        this.tok(T_IND_STRING_CLOSE, p, p + 2);
        return;
      }
      const d = src[p + 1];
      if (p + 1 >= len || d === CH_DOLLAR) {
        this.indEscape(p, p + 1, "'");
        return;
      }
    } else if (c === CH_DOLLAR) {
      const d = src[p + 1];
      if (d === CH_LBRACE) {
        this.push(S_DEFAULT);
        this.tok(T_DOLLAR_CURLY, p, p + 2);
        return;
      }
      if (p + 1 >= len || d === CH_QUOTE) {
        this.indEscape(p, p + 1, "$");
        return;
      }
    }
    // ([^$'] | \$[^{'] | '[^'$])+
    let q = p;
    let nul = false;
    while (q < len) {
      const d = src[q];
      if (d === CH_DOLLAR) {
        if (q + 1 >= len) break;
        const n = src[q + 1];
        if (n === CH_LBRACE || n === CH_QUOTE) break;
        if (n === 0) nul = true;
        q += 2;
      } else if (d === CH_QUOTE) {
        if (q + 1 >= len) break;
        const n = src[q + 1];
        if (n === CH_QUOTE || n === CH_DOLLAR) break;
        if (n === 0) nul = true;
        q += 2;
      } else {
        if (d === 0) nul = true;
        q++;
      }
    }
    if (nul) this.error("string literals cannot contain NUL bytes", p, q);
    this.tok(T_IND_STR, p, q);
    this.value = bytesToByteString(src, p, q);
    this.indented = true;
  }

  private indEscape(start: number, end: number, value: string): void {
    this.tok(T_IND_STR, start, end);
    this.value = value;
    this.indented = false;
  }

  /** After a path literal or a path's interpolation: more path text, `${`, or the path's end. */
  private lexInPath(): void {
    const src = this.src;
    const len = this.len;
    const p = this.pos;
    const state = this.states[this.states.length - 1];
    if (p < len && src[p] === CH_DOLLAR && src[p + 1] === CH_LBRACE) {
      this.pop();
      this.push(S_INPATH);
      this.push(S_DEFAULT);
      this.tok(T_DOLLAR_CURLY, p, p + 2);
      return;
    }
    // {PATH} | {PATH_SEG} | {PATH_CHAR}+, longest.
    let run = p;
    while (run < len && CLS[src[run]] & C_PATH) run++;
    let end = run;
    if (run < len && src[run] === CH_SLASH) {
      const e = pathTail(src, run, len);
      end = e > 0 ? e : run + 1;
    }
    if (end > p) {
      this.pop();
      this.push(src[end - 1] === CH_SLASH ? S_INPATH_SLASH : S_INPATH);
      this.tok(T_STR, p, end);
      this.value = bytesToByteString(src, p, end);
      return;
    }
    this.pop();
    if (state === S_INPATH_SLASH) {
      // CppNix throws here; the caret is on the offending byte, or on the path at end of input.
      if (p < len) this.error("path has a trailing slash", p, p + 1);
      else this.error("path has a trailing slash", this.start, this.end);
    }
    this.tok(T_PATH_END, p, p);
  }
}

/** End of `(\/{PATH_CHAR}+)+\/?` starting at the slash at `p`, or -1. */
function pathTail(src: Uint8Array, p: number, len: number): number {
  let q = p;
  let matched = -1;
  while (q < len && src[q] === CH_SLASH) {
    let r = q + 1;
    while (r < len && CLS[src[r]] & C_PATH) r++;
    if (r === q + 1) break;
    matched = r;
    q = r;
  }
  if (matched < 0) return -1;
  if (matched < len && src[matched] === CH_SLASH) matched++;
  return matched;
}

/** End of `<{PATH_CHAR}+(\/{PATH_CHAR}+)*>` starting at `p`, or -1. */
function spathEnd(src: Uint8Array, p: number, len: number): number {
  let q = p + 1;
  for (;;) {
    const s = q;
    while (q < len && CLS[src[q]] & C_PATH) q++;
    if (q === s) return -1;
    if (q < len && src[q] === CH_SLASH) {
      q++;
      continue;
    }
    return q < len && src[q] === CH_GT ? q + 1 : -1;
  }
}

/** End of `(([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?` at `p`, or -1. */
function matchFloat(src: Uint8Array, p: number, len: number): number {
  let q = p;
  const c = src[q];
  if (c >= 49 && c <= 57) {
    q++;
    while (q < len && CLS[src[q]] & C_DIGIT) q++;
    if (q >= len || src[q] !== CH_DOT) return -1;
    q++;
    while (q < len && CLS[src[q]] & C_DIGIT) q++;
  } else {
    if (c === CH_0) q++;
    if (q >= len || src[q] !== CH_DOT || !(CLS[src[q + 1]] & C_DIGIT) || q + 1 >= len) return -1;
    q += 2;
    while (q < len && CLS[src[q]] & C_DIGIT) q++;
  }
  if (q < len && (src[q] === CH_E || src[q] === CH_e)) {
    let r = q + 1;
    if (r < len && (src[r] === CH_PLUS || src[r] === CH_MINUS)) r++;
    if (r < len && CLS[src[r]] & C_DIGIT) {
      while (r < len && CLS[src[r]] & C_DIGIT) r++;
      q = r;
    }
  }
  return q;
}

/** Offset just past the `*\/` closing a comment whose body starts at `p`, or -1. */
function commentEnd(src: Uint8Array, p: number, len: number): number {
  for (let i = p; i + 1 < len; i++) {
    if (src[i] === CH_STAR && src[i + 1] === CH_SLASH) return i + 2;
  }
  return -1;
}

function mantissa(text: string): string {
  const e = text.search(/[eE]/);
  return e < 0 ? text : text.slice(0, e);
}

function codesToString(codes: number[]): string {
  let s = "";
  for (let i = 0; i < codes.length; i += 8192)
    s += String.fromCharCode.apply(null, codes.slice(i, i + 8192));
  return s;
}
