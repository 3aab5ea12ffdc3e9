/**
 * The tokenizer of libstdc++'s POSIX extended-mode regex parser, as CppNix's `std::regex(re,
 * std::regex::extended)` sees patterns (libstdc++ 12, built with `__STRICT_ANSI__`):
 * - only the special characters `.[\\()*+?{|^$` may be escaped; `\d`, `\1`, `\]` are errors;
 * - `]` and `}` are ordinary outside brackets and braces;
 * - inside brackets a backslash is literal, `]` right after `[` or `[^` is literal, and `[:`,
 *   `[.`, `[=` start class, collating and equivalence names that must end with `:]`, `.]`, `=]`;
 * - inside `{...}` only digits, `,` and `}` are allowed.
 * It keeps one token of lookahead and scans the next token as soon as the current one is
 * consumed, so a scan error can be raised before the parser acts on the previous token (this
 * decides between "invalid" and "memory limit exceeded" for some patterns).
 */
import { isDigit } from "./regex-ctype.ts";

export const T_EOF = 0;
export const T_ORD_CHAR = 1;
export const T_LINE_BEGIN = 2;
export const T_LINE_END = 3;
export const T_ANYCHAR = 4;
export const T_CLOSURE0 = 5;
export const T_CLOSURE1 = 6;
export const T_OPT = 7;
export const T_OR = 8;
export const T_SUBEXPR_BEGIN = 9;
export const T_SUBEXPR_END = 10;
export const T_BRACKET_BEGIN = 11;
export const T_BRACKET_NEG_BEGIN = 12;
export const T_BRACKET_END = 13;
export const T_BRACKET_DASH = 14;
export const T_INTERVAL_BEGIN = 15;
export const T_INTERVAL_END = 16;
export const T_DUP_COUNT = 17;
export const T_COMMA = 18;
export const T_COLLSYMBOL = 19;
export const T_CHAR_CLASS_NAME = 20;
export const T_EQUIV_CLASS_NAME = 21;

const MODE_NORMAL = 0;
const MODE_BRACKET = 1;
const MODE_BRACE = 2;

/** Characters that are special outside brackets in extended mode; only these may be escaped. */
const SPECIAL = ".[\\()*+?{|^$";

/** Thrown inside the parser; `compileProgram` turns it into a RegexError carrying the pattern. */
export class SyntaxFail {
  readonly detail: string;
  readonly space: boolean;
  constructor(detail: string, space = false) {
    this.detail = detail;
    this.space = space;
  }
}

export function fail(detail: string): never {
  throw new SyntaxFail(detail);
}

export class Scanner {
  private readonly src: string;
  private pos = 0;
  private mode = MODE_NORMAL;
  private atBracketStart = false;
  token = T_EOF;
  value = "";

  constructor(src: string) {
    this.src = src;
    this.advance();
  }

  advance(): void {
    if (this.pos >= this.src.length) {
      // End of input is EOF in every mode; an unterminated bracket or brace is detected by
      // the parser when it finds EOF where it needed more.
      this.token = T_EOF;
      return;
    }
    if (this.mode === MODE_NORMAL) this.scanNormal();
    else if (this.mode === MODE_BRACKET) this.scanBracket();
    else this.scanBrace();
  }

  private scanNormal(): void {
    const s = this.src;
    const c = s[this.pos++];
    if (c === "\0") fail("error_null");
    if (!SPECIAL.includes(c)) {
      this.token = T_ORD_CHAR;
      this.value = c;
      return;
    }
    switch (c) {
      case "\\": {
        if (this.pos >= s.length) fail("error_escape");
        const d = s[this.pos];
        // Only special characters may be escaped; `\d`, `\1`, `\]`... are errors.
        if (d === "\0" || !SPECIAL.includes(d)) fail("error_escape");
        this.pos++;
        this.token = T_ORD_CHAR;
        this.value = d;
        return;
      }
      case "(":
        this.token = T_SUBEXPR_BEGIN;
        return;
      case ")":
        this.token = T_SUBEXPR_END;
        return;
      case "[":
        this.mode = MODE_BRACKET;
        this.atBracketStart = true;
        if (this.pos < s.length && s[this.pos] === "^") {
          this.pos++;
          this.token = T_BRACKET_NEG_BEGIN;
        } else {
          this.token = T_BRACKET_BEGIN;
        }
        return;
      case "{":
        this.mode = MODE_BRACE;
        this.token = T_INTERVAL_BEGIN;
        return;
      case "^":
        this.token = T_LINE_BEGIN;
        return;
      case "$":
        this.token = T_LINE_END;
        return;
      case ".":
        this.token = T_ANYCHAR;
        return;
      case "*":
        this.token = T_CLOSURE0;
        return;
      case "+":
        this.token = T_CLOSURE1;
        return;
      case "?":
        this.token = T_OPT;
        return;
      default: // "|"
        this.token = T_OR;
        return;
    }
  }

  private scanBracket(): void {
    const s = this.src;
    const c = s[this.pos++];
    if (c === "-") {
      this.token = T_BRACKET_DASH;
    } else if (c === "[") {
      if (this.pos >= s.length) fail("error_brack");
      const d = s[this.pos];
      if (d === "." || d === ":" || d === "=") {
        this.pos++;
        this.token = d === "." ? T_COLLSYMBOL : d === ":" ? T_CHAR_CLASS_NAME : T_EQUIV_CLASS_NAME;
        this.eatClass(d);
      } else {
        this.token = T_ORD_CHAR;
        this.value = c;
      }
    } else if (c === "]" && !this.atBracketStart) {
      this.token = T_BRACKET_END;
      this.mode = MODE_NORMAL;
    } else {
      // A `]` right after `[` or `[^` is literal; backslash is literal inside brackets.
      this.token = T_ORD_CHAR;
      this.value = c;
    }
    this.atBracketStart = false;
  }

  /** Reads `name` up to `delim` and then requires `delim]` (`[:alpha:]`, `[.a.]`, `[=a=]`). */
  private eatClass(delim: string): void {
    const s = this.src;
    let v = "";
    while (this.pos < s.length && s[this.pos] !== delim) v += s[this.pos++];
    const code = delim === ":" ? "error_ctype" : "error_collate";
    if (this.pos >= s.length) fail(code);
    this.pos++;
    if (this.pos >= s.length || s[this.pos++] !== "]") fail(code);
    this.value = v;
  }

  private scanBrace(): void {
    const s = this.src;
    const c = s[this.pos++];
    if (isDigit(c.charCodeAt(0))) {
      let v = c;
      while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) v += s[this.pos++];
      this.token = T_DUP_COUNT;
      this.value = v;
    } else if (c === ",") {
      this.token = T_COMMA;
    } else if (c === "}") {
      this.mode = MODE_NORMAL;
      this.token = T_INTERVAL_END;
    } else {
      fail("error_badbrace");
    }
  }
}
