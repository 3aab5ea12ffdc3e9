/**
 * Hand-written recursive-descent parser for the Nix grammar as CppNix's `parser.y` defines it,
 * with precedence climbing for operators that reproduces bison's precedence/associativity
 * resolution (including `%nonassoc` errors for `a == b == c` and the low precedence of `!`).
 *
 * The parser pulls tokens from the lexer on demand, with at most three tokens of lookahead (to tell
 * `{ a, b }: ...` from `{ a = 1; }`). It builds the AST of `ast.ts`, performs CppNix's parse-time
 * checks (duplicate attributes and formals, dynamic attributes in `let`/`inherit`), and recovers
 * from syntax errors at binding, list, parenthesis and interpolation boundaries so that it can
 * report several errors. Nesting depth is bounded so hostile input cannot overflow the JS stack.
 */
import {
  Assert as AssertNode,
  AttrDef,
  AttrName,
  Attrs,
  Binary,
  Call,
  CurPos,
  DEF_INHERITED,
  DEF_INHERITED_FROM,
  ErrorNode,
  type Expr,
  FloatLit,
  Formal,
  Formals,
  HasAttr as HasAttrNode,
  If,
  InheritFrom,
  IntLit,
  Lambda,
  Let,
  List,
  N_CALL,
  N_STRING,
  Neg,
  Not,
  OP_ADD,
  OP_AND,
  OP_CONCAT,
  OP_DIV,
  OP_EQ,
  OP_GE,
  OP_GT,
  OP_IMPL,
  OP_LE,
  OP_LT,
  OP_MUL,
  OP_NEQ,
  OP_OR,
  OP_SUB,
  OP_UPDATE,
  PathInterp,
  PathLit,
  SearchPath,
  Select,
  StringInterp,
  StringLit,
  Var,
  With,
} from "./ast.ts";
import { addAttr, addAttrName, type BindingErrors } from "./bindings.ts";
import { ERR_LIMIT, ERR_SEMANTIC, ERR_SYNTAX, ParseError } from "./errors.ts";
import { type IndPart, stripIndentation } from "./indented-string.ts";
import { Lexer, type TokenValue } from "./lexer.ts";
import { absPath } from "./paths.ts";
import { printIdentifier } from "./print-literals.ts";
import { showAttrPath } from "./print-parse.ts";
import type { Source } from "./source.ts";
import * as T from "./tokens.ts";

export interface ParserOptions {
  /** Directory that relative path literals are resolved against (absolute). Default `/`. */
  basePath?: string;
  /** Home directory for `~/...` paths; without it (or in pure mode) they are errors. */
  home?: string;
  /** CppNix's pure evaluation mode: `~/...` paths are errors. */
  pureEval?: boolean;
  /** Enable `|>` and `<|` (experimental feature `pipe-operators`). */
  pipeOperators?: boolean;
  /** Stop after this many errors. Default 20. */
  maxErrors?: number;
  /** Deepest nesting accepted. Default 2000. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 2000;

/** Unwinds to the nearest recovery point after a syntax error has been recorded. */
const ABORT = { abort: true };
/** Unwinds to the top: too many errors, or nesting too deep. */
const STOP = { stop: true };

// Binary operator precedence (higher binds tighter); 0 = not a binary operator.
// CppNix: %right IMPL, %left OR, %left AND, %nonassoc EQ NEQ, %nonassoc < > LEQ GEQ,
// %right UPDATE, %left NOT, %left + -, %left * /, %right CONCAT, %nonassoc ?, %nonassoc NEGATE.
const PREC_NOT = 7;
const PREC_NEGATE = 12;
const BIN_PREC = new Uint8Array(T.TOKEN_COUNT);
const BIN_OP = new Uint8Array(T.TOKEN_COUNT);
const RIGHT_ASSOC = new Uint8Array(T.TOKEN_COUNT);
const NON_ASSOC = new Uint8Array(T.TOKEN_COUNT);
function defOp(tok: number, prec: number, op: number, assoc: "l" | "r" | "n"): void {
  BIN_PREC[tok] = prec;
  BIN_OP[tok] = op;
  if (assoc === "r") RIGHT_ASSOC[tok] = 1;
  if (assoc === "n") NON_ASSOC[tok] = 1;
}
defOp(T.T_IMPL, 1, OP_IMPL, "r");
defOp(T.T_OR, 2, OP_OR, "l");
defOp(T.T_AND, 3, OP_AND, "l");
defOp(T.T_EQ, 4, OP_EQ, "n");
defOp(T.T_NEQ, 4, OP_NEQ, "n");
defOp(T.T_LT, 5, OP_LT, "n");
defOp(T.T_GT, 5, OP_GT, "n");
defOp(T.T_LEQ, 5, OP_LE, "n");
defOp(T.T_GEQ, 5, OP_GE, "n");
defOp(T.T_UPDATE, 6, OP_UPDATE, "r");
defOp(T.T_PLUS, 8, OP_ADD, "l");
defOp(T.T_MINUS, 8, OP_SUB, "l");
defOp(T.T_STAR, 9, OP_MUL, "l");
defOp(T.T_SLASH, 9, OP_DIV, "l");
defOp(T.T_CONCAT, 10, OP_CONCAT, "r");
defOp(T.T_QUESTION, 11, 0, "n");

/** Tokens that can start an `expr_select` (a function argument or list element). */
const STARTS_SELECT = new Uint8Array(T.TOKEN_COUNT);
for (const k of [
  T.T_ID,
  T.T_INT,
  T.T_FLOAT,
  T.T_DQUOTE,
  T.T_IND_STRING_OPEN,
  T.T_PATH,
  T.T_HPATH,
  T.T_SPATH,
  T.T_URI,
  T.T_LPAREN,
  T.T_LBRACE,
  T.T_LBRACK,
  T.T_LET,
  T.T_REC,
])
  STARTS_SELECT[k] = 1;

/** Where bison lists a token among "expecting ..." alternatives (its symbol numbering). */
const BISON_ORDER = new Map<number, number>(
  [
    T.T_EOF,
    T.T_ID,
    T.T_STR,
    T.T_IND_STR,
    T.T_INT,
    T.T_FLOAT,
    T.T_PATH,
    T.T_HPATH,
    T.T_SPATH,
    T.T_PATH_END,
    T.T_URI,
    T.T_IF,
    T.T_THEN,
    T.T_ELSE,
    T.T_ASSERT,
    T.T_WITH,
    T.T_LET,
    T.T_IN,
    T.T_REC,
    T.T_INHERIT,
    T.T_EQ,
    T.T_NEQ,
    T.T_AND,
    T.T_OR,
    T.T_IMPL,
    T.T_OR_KW,
    T.T_PIPE_FROM,
    T.T_PIPE_INTO,
    T.T_DOLLAR_CURLY,
    T.T_IND_STRING_OPEN,
    T.T_IND_STRING_CLOSE,
    T.T_ELLIPSIS,
    T.T_LT,
    T.T_GT,
    T.T_LEQ,
    T.T_GEQ,
    T.T_UPDATE,
    T.T_PLUS,
    T.T_MINUS,
    T.T_STAR,
    T.T_SLASH,
    T.T_CONCAT,
    T.T_QUESTION,
    T.T_COLON,
    T.T_AT,
    T.T_SEMI,
    T.T_BANG,
    T.T_DOT,
    T.T_DQUOTE,
    T.T_LPAREN,
    T.T_RPAREN,
    T.T_LBRACE,
    T.T_RBRACE,
    T.T_LBRACK,
    T.T_RBRACK,
    T.T_ASSIGN,
    T.T_COMMA,
  ].map((k, i) => [k, i]),
);

export interface ParseOutput {
  expr: Expr | null;
  errors: ParseError[];
}

/** Parses `source`; see `parse()` in index.ts for the full pipeline with scope checking. */
export function parseSyntax(source: Source, options: ParserOptions = {}): ParseOutput {
  const p = new Parser(source, options);
  return p.run();
}

class Parser {
  private readonly lx: Lexer;
  private readonly source: Source;
  private readonly basePath: string;
  private readonly home: string | undefined;
  private readonly pureEval: boolean;
  private readonly maxErrors: number;
  private readonly maxDepth: number;
  readonly errors: ParseError[] = [];

  // Current token.
  private t = T.T_EOF;
  private ts = 0;
  private te = 0;
  private tv: TokenValue = null;
  private tind = false;
  /** End of the last consumed token (for node spans). */
  private prevEnd = 0;

  // Lookahead ring beyond the current token.
  private readonly rk = new Int32Array(4);
  private readonly rs = new Int32Array(4);
  private readonly re = new Int32Array(4);
  private readonly rv: TokenValue[] = [null, null, null, null];
  private readonly ri = new Uint8Array(4);
  private rHead = 0;
  private rCount = 0;

  private depth = 0;
  /** Brackets opened and not yet closed by the tokens consumed so far (for error recovery). */
  private nest = 0;
  private readonly bindingErrors: BindingErrors;

  constructor(source: Source, options: ParserOptions) {
    this.source = source;
    this.lx = new Lexer(source.bytes, { pipeOperators: options.pipeOperators });
    this.basePath = options.basePath ?? "/";
    this.home = options.home;
    this.pureEval = options.pureEval ?? false;
    this.maxErrors = options.maxErrors ?? 20;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.bindingErrors = {
      duplicate: (shown, start, end, prevStart) =>
        this.semantic(
          `attribute '${shown}' already defined at ${this.source.describe(prevStart)}`,
          start,
          end,
        ),
      showPath: (path) => showAttrPath(path),
      showName: (name) => printIdentifier(name),
    };
  }

  run(): ParseOutput {
    let expr: Expr | null = null;
    try {
      this.advance();
      expr = this.parseExpr();
      if (this.t !== T.T_EOF) this.syntaxError([T.T_EOF]);
    } catch (e) {
      if (e !== ABORT && e !== STOP) {
        if (e instanceof RangeError) {
          // Last line of defence: the depth limit should make this unreachable.
          this.errors.push(
            new ParseError(ERR_LIMIT, "expression is nested too deeply", this.ts, this.te),
          );
        } else throw e;
      }
    }
    // By position; at equal positions the lexer's error first (CppNix's lexer throws before the
    // parser sees the token).
    const errors = this.lx.errors.concat(this.errors);
    errors.sort((a, b) => a.start - b.start);
    if (errors.length > this.maxErrors) errors.length = this.maxErrors;
    return { expr: errors.length === 0 ? expr : expr, errors };
  }

  // ---- tokens ----

  private advance(): void {
    const k = this.t;
    if (k === T.T_LPAREN || k === T.T_LBRACK || k === T.T_LBRACE || k === T.T_DOLLAR_CURLY)
      this.nest++;
    else if (k === T.T_RPAREN || k === T.T_RBRACK || k === T.T_RBRACE) this.nest--;
    this.prevEnd = this.te;
    if (this.rCount > 0) {
      const h = this.rHead;
      this.t = this.rk[h];
      this.ts = this.rs[h];
      this.te = this.re[h];
      this.tv = this.rv[h];
      this.tind = this.ri[h] === 1;
      this.rHead = (h + 1) & 3;
      this.rCount--;
      return;
    }
    const lx = this.lx;
    lx.next();
    this.t = lx.kind;
    this.ts = lx.start;
    this.te = lx.end;
    this.tv = lx.value;
    this.tind = lx.indented;
  }

  /** Kind of the k-th token after the current one (k >= 1, k <= 3). */
  private peek(k: number): number {
    const lx = this.lx;
    while (this.rCount < k) {
      lx.next();
      const i = (this.rHead + this.rCount) & 3;
      this.rk[i] = lx.kind;
      this.rs[i] = lx.start;
      this.re[i] = lx.end;
      this.rv[i] = lx.value;
      this.ri[i] = lx.indented ? 1 : 0;
      this.rCount++;
    }
    return this.rk[(this.rHead + k - 1) & 3];
  }

  private expect(kind: number): void {
    if (this.t !== kind) this.syntaxError([kind]);
    this.advance();
  }

  // ---- errors ----

  private addError(e: ParseError): void {
    this.errors.push(e);
    if (this.errors.length + this.lx.errors.length >= this.maxErrors) throw STOP;
  }

  /** Records "syntax error, unexpected X[, expecting A or B]" at the current token and aborts. */
  private syntaxError(expected: number[] = []): never {
    // A second error at the same place is a consequence of the first (typically at end of input).
    const last = this.errors[this.errors.length - 1];
    if (last !== undefined && last.kind === ERR_SYNTAX && last.start === this.ts) throw ABORT;
    let msg = `syntax error, unexpected ${T.TOKEN_NAMES[this.t]}`;
    // Bison names at most four alternatives.
    if (expected.length > 0 && expected.length <= 4) {
      const sorted = [...expected].sort(
        (a, b) => (BISON_ORDER.get(a) ?? 99) - (BISON_ORDER.get(b) ?? 99),
      );
      msg += `, expecting ${sorted.map((k) => T.TOKEN_NAMES[k]).join(" or ")}`;
    }
    this.addError(new ParseError(ERR_SYNTAX, msg, this.ts, this.te));
    throw ABORT;
  }

  private semantic(message: string, start: number, end: number): void {
    this.addError(new ParseError(ERR_SEMANTIC, message, start, end));
  }

  private tooDeep(): never {
    this.errors.push(
      new ParseError(
        ERR_LIMIT,
        `expression is nested too deeply (more than ${this.maxDepth} levels)`,
        this.ts,
        this.te,
      ),
    );
    throw STOP;
  }

  /**
   * Error recovery: skips tokens until, back at bracket nesting `base` (that of the recovery
   * point), the token is `until` (consumed), `stop` (not consumed) or a closing bracket (which
   * belongs to an enclosing construct); anything inside brackets opened since is skipped whole.
   */
  private skip(until: number, base: number, stop = -1): void {
    for (;;) {
      const k = this.t;
      if (k === T.T_EOF) return;
      if (this.nest <= base) {
        if (k === until) {
          this.advance();
          return;
        }
        if (k === stop || k === T.T_RPAREN || k === T.T_RBRACK || k === T.T_RBRACE) return;
      }
      this.advance();
    }
  }

  // ---- expressions ----

  /**
   * expr / expr_function. The common case (an operator expression) goes straight to `parseOp`:
   * each nesting level of `( ... )` costs four JS frames (parseExpr, parseOp, parseApp,
   * parseSimple), which is what bounds the depth the default stack allows.
   */
  private parseExpr(): Expr {
    if (++this.depth > this.maxDepth) this.tooDeep();
    let e: Expr;
    switch (this.t) {
      case T.T_ID: {
        const k = this.peek(1);
        if (k === T.T_COLON) e = this.parseSimpleLambda();
        else if (k === T.T_AT) e = this.parseArgAtFormals();
        else e = this.parsePipe(this.parseOp(0));
        break;
      }
      case T.T_LBRACE:
        e = this.isFormals() ? this.parseFormalsLambda() : this.parsePipe(this.parseOp(0));
        break;
      case T.T_ASSERT:
      case T.T_WITH:
        e = this.parseAssertWith();
        break;
      case T.T_LET:
        e = this.peek(1) === T.T_LBRACE ? this.parsePipe(this.parseOp(0)) : this.parseLet();
        break;
      case T.T_IF:
        e = this.parseIf();
        break;
      default:
        e = this.parsePipe(this.parseOp(0));
    }
    this.depth--;
    return e;
  }

  /** ASSERT expr ';' expr_function | WITH expr ';' expr_function */
  private parseAssertWith(): Expr {
    const assert = this.t === T.T_ASSERT;
    const start = this.ts;
    this.advance();
    const first = this.parseExpr();
    this.expect(T.T_SEMI);
    const body = this.parseExpr();
    return assert
      ? new AssertNode(start, body.end, first, body)
      : new With(start, body.end, first, body);
  }

  private isFormals(): boolean {
    const k1 = this.peek(1);
    if (k1 === T.T_RBRACE) {
      const k2 = this.peek(2);
      return k2 === T.T_COLON || k2 === T.T_AT;
    }
    if (k1 === T.T_ELLIPSIS) return true;
    if (k1 === T.T_ID) {
      const k2 = this.peek(2);
      return k2 === T.T_COMMA || k2 === T.T_QUESTION || k2 === T.T_RBRACE;
    }
    return false;
  }

  private parseSimpleLambda(): Expr {
    const start = this.ts;
    const name = this.tv as string;
    this.advance(); // ID
    this.advance(); // :
    const body = this.parseExpr();
    return new Lambda(start, body.end, name, null, body);
  }

  /** ID '@' formal_set ':' expr_function */
  private parseArgAtFormals(): Expr {
    const start = this.ts;
    const name = this.tv as string;
    this.advance(); // ID
    this.advance(); // @
    if (this.t !== T.T_LBRACE) this.syntaxError([T.T_LBRACE]);
    const formals = this.parseFormalSet();
    this.expect(T.T_COLON);
    const body = this.parseExpr();
    this.validateFormals(formals, start, name);
    return new Lambda(start, body.end, name, formals, body);
  }

  /** formal_set ':' expr_function | formal_set '@' ID ':' expr_function */
  private parseFormalsLambda(): Expr {
    const start = this.ts;
    const formals = this.parseFormalSet();
    let arg: string | null = null;
    if (this.t === T.T_AT) {
      this.advance();
      if (this.t !== T.T_ID) this.syntaxError([T.T_ID]);
      arg = this.tv as string;
      this.advance();
      this.expect(T.T_COLON);
    } else if (this.t === T.T_COLON) this.advance();
    else this.syntaxError([T.T_COLON, T.T_AT]);
    const body = this.parseExpr();
    this.validateFormals(formals, start, arg);
    return new Lambda(start, body.end, arg, formals, body);
  }

  private parseFormalSet(): Formals {
    this.advance(); // {
    const entries: Formal[] = [];
    let ellipsis = false;
    for (;;) {
      if (this.t === T.T_RBRACE) {
        this.advance();
        break;
      }
      if (this.t === T.T_ELLIPSIS) {
        this.advance();
        ellipsis = true;
        this.expect(T.T_RBRACE);
        break;
      }
      if (this.t !== T.T_ID)
        this.syntaxError(
          entries.length > 0 ? [T.T_ID, T.T_ELLIPSIS, T.T_RBRACE] : [T.T_ID, T.T_ELLIPSIS],
        );
      const fs = this.ts;
      const name = this.tv as string;
      this.advance();
      let def: Expr | null = null;
      if (this.t === T.T_QUESTION) {
        this.advance();
        def = this.parseExpr();
      }
      entries.push(new Formal(fs, def ? def.end : this.prevEnd, name, def));
      if (this.t === T.T_COMMA) {
        this.advance();
        continue;
      }
      if (this.t === T.T_RBRACE) {
        this.advance();
        break;
      }
      this.syntaxError([T.T_COMMA, T.T_RBRACE]);
    }
    return new Formals(entries, ellipsis);
  }

  /** CppNix's validateFormals: duplicate formal names, or the `@` name repeated as a formal. */
  private validateFormals(formals: Formals, lambdaStart: number, arg: string | null): void {
    const entries = formals.entries;
    const n = entries.length;
    // Report each duplicated name once, at its second occurrence, in name order (CppNix reports
    // the smallest). Small sets (the usual case) are checked pairwise without allocating.
    let dups: Formal[] | null = null;
    if (n > 1 && n <= 16) {
      for (let i = 1; i < n; i++) {
        const name = entries[i].name;
        let seen = 0;
        for (let j = 0; j < i; j++) if (entries[j].name === name) seen++;
        if (seen === 1) {
          if (dups === null) dups = [];
          dups.push(entries[i]);
        }
      }
    } else if (n > 16) {
      const first = new Set<string>();
      const reported = new Set<string>();
      for (const f of entries) {
        if (!first.has(f.name)) first.add(f.name);
        else if (!reported.has(f.name)) {
          reported.add(f.name);
          if (dups === null) dups = [];
          dups.push(f);
        }
      }
    }
    if (dups !== null) {
      dups.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const dup of dups)
        this.semantic(
          `duplicate formal function argument '${dup.name}'`,
          dup.start,
          dup.start + dup.name.length,
        );
    }
    if (arg !== null) {
      for (const f of entries) {
        if (f.name === arg) {
          this.semantic(
            `duplicate formal function argument '${arg}'`,
            lambdaStart,
            lambdaStart + 1,
          );
          break;
        }
      }
    }
  }

  /** LET binds IN_KW expr_function */
  private parseLet(): Expr {
    const start = this.ts;
    this.advance(); // let
    const attrs = new Attrs(start, start, false);
    if (++this.depth > this.maxDepth) this.tooDeep();
    this.parseBinds(attrs, T.T_IN);
    this.depth--;
    attrs.end = this.prevEnd;
    if (this.t !== T.T_IN)
      this.syntaxError([T.T_ID, T.T_OR_KW, T.T_INHERIT, T.T_DOLLAR_CURLY, T.T_DQUOTE, T.T_IN]);
    this.advance();
    const body = this.parseExpr();
    if (attrs.dynamic.length > 0)
      this.semantic("dynamic attributes not allowed in let", start, start + 3);
    return new Let(start, body.end, attrs, body);
  }

  /** IF expr THEN expr ELSE expr */
  private parseIf(): Expr {
    const start = this.ts;
    this.advance();
    const cond = this.parseExpr();
    this.expect(T.T_THEN);
    const then = this.parseExpr();
    this.expect(T.T_ELSE);
    const els = this.parseExpr();
    return new If(start, els.end, cond, then, els);
  }

  /** expr_pipe_from / expr_pipe_into: `left` is the first expr_op. */
  private parsePipe(left: Expr): Expr {
    if (this.t === T.T_PIPE_INTO) {
      while (this.t === T.T_PIPE_INTO) {
        this.advance();
        const fn = this.parseOp(0);
        left = this.makeCall(fn, left);
      }
      if (this.t === T.T_PIPE_FROM) this.syntaxError();
    } else if (this.t === T.T_PIPE_FROM) {
      // Right-associative: f <| g <| x is f (g x).
      const operands = [left];
      while (this.t === T.T_PIPE_FROM) {
        this.advance();
        operands.push(this.parseOp(0));
      }
      if (this.t === T.T_PIPE_INTO) this.syntaxError();
      let acc = operands[operands.length - 1];
      for (let i = operands.length - 2; i >= 0; i--) acc = this.makeCall(operands[i], acc);
      left = acc;
    }
    return left;
  }

  /**
   * expr_op by precedence climbing: a prefix-operator or application operand, then binary
   * operators of precedence >= minPrec. Left-associative chains are built by the loop, so they
   * do not deepen the recursion (consumers walk such left spines iteratively).
   */
  private parseOp(minPrec: number): Expr {
    if (++this.depth > this.maxDepth) this.tooDeep();
    let left: Expr;
    const t = this.t;
    if (t === T.T_BANG) {
      const start = this.ts;
      this.advance();
      // `!` has lower precedence than + - * / ++ ?, so `!a + b` is `!(a + b)`.
      const e = this.parseOp(PREC_NOT + 1);
      left = new Not(start, e.end, e);
    } else if (t === T.T_MINUS) {
      const start = this.ts;
      this.advance();
      const e = this.parseOp(PREC_NEGATE + 1);
      left = new Neg(start, e.end, e);
    } else left = this.parseApp();
    for (;;) {
      const tok = this.t;
      const prec = BIN_PREC[tok];
      if (prec === 0 || prec < minPrec) break;
      const opStart = this.ts;
      this.advance();
      if (tok === T.T_QUESTION) {
        const path = this.parseAttrPath();
        left = new HasAttrNode(left.start, this.prevEnd, left, path);
      } else {
        const right = this.parseOp(RIGHT_ASSOC[tok] ? prec : prec + 1);
        left = new Binary(left.start, right.end, BIN_OP[tok], left, right, opStart);
        if (NON_ASSOC[tok] && BIN_PREC[this.t] === prec) this.syntaxError();
      }
    }
    this.depth--;
    return left;
  }

  /** expr_app: one or more expr_select, applied left to right. */
  private parseApp(): Expr {
    let fn = this.selectSuffix(this.parseSimple());
    while (STARTS_SELECT[this.t]) {
      const arg = this.selectSuffix(this.parseSimple());
      fn = this.makeCall(fn, arg);
    }
    return fn;
  }

  /** CppNix's makeCall: applying a call adds an argument to it (`(f a) b` is `(f a b)`). */
  private makeCall(fn: Expr, arg: Expr): Expr {
    if (fn.kind === N_CALL) {
      fn.args.push(arg);
      if (arg.end > fn.end) fn.end = arg.end;
      return fn;
    }
    return new Call(fn.start, Math.max(fn.end, arg.end), fn, [arg]);
  }

  /** The rest of an expr_select after its expr_simple `e`: `.a.b [or d]`, or the cursed `or`. */
  private selectSuffix(e: Expr): Expr {
    const t = this.t;
    if (t === T.T_DOT) {
      this.advance();
      const path = this.parseAttrPath();
      if (this.t === T.T_OR_KW) {
        this.advance();
        if (++this.depth > this.maxDepth) this.tooDeep();
        const def = this.selectSuffix(this.parseSimple());
        this.depth--;
        return new Select(e.start, def.end, e, path, def);
      }
      return new Select(e.start, this.prevEnd, e, path, null);
    }
    if (t === T.T_OR_KW) {
      // The "cursed or": `f or` applies f to a variable named `or` (Nixpkgs once had one).
      this.advance();
      return new Call(e.start, this.prevEnd, e, [new Var(e.start, this.prevEnd, "or")], true);
    }
    return e;
  }

  /** attrpath; `first` is its first component when the caller has already read it. */
  private parseAttrPath(first?: AttrName): AttrName[] {
    const path = [first ?? this.parseAttrName()];
    while (this.t === T.T_DOT) {
      this.advance();
      path.push(this.parseAttrName());
    }
    return path;
  }

  /** attr | string_attr; a string without interpolation is a static name. */
  private parseAttrName(): AttrName {
    const start = this.ts;
    switch (this.t) {
      case T.T_ID: {
        const name = this.tv as string;
        this.advance();
        return new AttrName(start, this.prevEnd, name, null);
      }
      case T.T_OR_KW:
        this.advance();
        return new AttrName(start, this.prevEnd, "or", null);
      case T.T_DQUOTE: {
        const e = this.parseString();
        return e.kind === N_STRING
          ? new AttrName(start, this.prevEnd, e.value, null)
          : new AttrName(start, this.prevEnd, null, e);
      }
      case T.T_DOLLAR_CURLY: {
        const e = this.parseInterpolation();
        return e.kind === N_STRING
          ? new AttrName(start, this.prevEnd, e.value, null)
          : new AttrName(start, this.prevEnd, null, e);
      }
      default:
        this.syntaxError([T.T_ID, T.T_OR_KW, T.T_DOLLAR_CURLY, T.T_DQUOTE]);
    }
  }

  /** `${ expr }` with the current token `${`; recovers to the matching `}`. */
  private parseInterpolation(): Expr {
    const start = this.ts;
    this.advance();
    // Strings around interpolations cost extra stack per nesting level; count them.
    if (++this.depth > this.maxDepth) this.tooDeep();
    const depth = this.depth;
    const base = this.nest;
    try {
      const e = this.parseExpr();
      if (this.t !== T.T_RBRACE) this.syntaxError([T.T_RBRACE]);
      this.advance();
      this.depth--;
      return e;
    } catch (err) {
      if (err !== ABORT) throw err;
      this.depth = depth - 1;
      this.skip(T.T_RBRACE, base);
      return new ErrorNode(start, this.prevEnd);
    }
  }

  /** expr_simple */
  private parseSimple(): Expr {
    const start = this.ts;
    switch (this.t) {
      case T.T_ID: {
        const name = this.tv as string;
        this.advance();
        return name === "__curPos"
          ? new CurPos(start, this.prevEnd)
          : new Var(start, this.prevEnd, name);
      }
      case T.T_INT: {
        const v = this.tv as number | bigint;
        this.advance();
        return new IntLit(start, this.prevEnd, v);
      }
      case T.T_FLOAT: {
        const v = this.tv as number;
        this.advance();
        return new FloatLit(start, this.prevEnd, v);
      }
      case T.T_DQUOTE:
        return this.parseString();
      case T.T_IND_STRING_OPEN:
        return this.parseIndString();
      case T.T_PATH:
      case T.T_HPATH:
        return this.parsePath();
      case T.T_SPATH: {
        const p = this.tv as string;
        this.advance();
        return new SearchPath(start, this.prevEnd, p);
      }
      case T.T_URI: {
        const s = this.tv as string;
        this.advance();
        return new StringLit(start, this.prevEnd, s, true);
      }
      case T.T_LPAREN: {
        this.advance();
        const depth = this.depth;
        const base = this.nest;
        try {
          const e = this.parseExpr();
          if (this.t !== T.T_RPAREN) this.syntaxError([T.T_RPAREN]);
          this.advance();
          return e;
        } catch (err) {
          if (err !== ABORT) throw err;
          this.depth = depth;
          this.skip(T.T_RPAREN, base);
          return new ErrorNode(start, this.prevEnd);
        }
      }
      case T.T_LBRACE:
        return this.parseAttrs(start, false);
      case T.T_REC:
        this.advance();
        if (this.t !== T.T_LBRACE) this.syntaxError([T.T_LBRACE]);
        return this.parseAttrs(start, true);
      case T.T_LET: {
        // Legacy `let { ...; body = e; }` is `(rec { ...; body = e; }).body`.
        this.advance();
        if (this.t !== T.T_LBRACE) this.syntaxError([T.T_LBRACE]);
        const attrs = this.parseAttrs(start, true);
        const body = new AttrName(attrs.end, attrs.end, "body", null);
        return new Select(start, attrs.end, attrs, [body], null);
      }
      case T.T_LBRACK:
        return this.parseList();
      default:
        this.syntaxError();
    }
  }

  private parseList(): Expr {
    const start = this.ts;
    this.advance();
    const elems: Expr[] = [];
    if (++this.depth > this.maxDepth) this.tooDeep();
    const depth = this.depth;
    const base = this.nest;
    try {
      while (STARTS_SELECT[this.t]) elems.push(this.selectSuffix(this.parseSimple()));
      if (this.t !== T.T_RBRACK) this.syntaxError();
      this.advance();
    } catch (err) {
      if (err !== ABORT) throw err;
      this.depth = depth;
      this.skip(T.T_RBRACK, base);
      elems.push(new ErrorNode(start, this.prevEnd));
    }
    this.depth--;
    return new List(start, this.prevEnd, elems);
  }

  /** '{' binds '}' with the current token `{` (`start` is where `rec` began, if any). */
  private parseAttrs(start: number, rec: boolean): Attrs {
    this.advance(); // {
    const attrs = new Attrs(start, start, rec);
    if (++this.depth > this.maxDepth) this.tooDeep();
    this.parseBinds(attrs, T.T_RBRACE);
    this.depth--;
    if (this.t !== T.T_RBRACE)
      this.syntaxError([T.T_ID, T.T_OR_KW, T.T_INHERIT, T.T_DOLLAR_CURLY, T.T_DQUOTE, T.T_RBRACE]);
    this.advance();
    attrs.end = this.prevEnd;
    return attrs;
  }

  /** binds: bindings and inherits until something else; recovers at `;`. */
  private parseBinds(attrs: Attrs, terminator: number): void {
    const depth = this.depth;
    const base = this.nest;
    for (;;) {
      const k = this.t;
      try {
        if (k === T.T_INHERIT) this.parseInherit(attrs);
        else if (k === T.T_ID || k === T.T_OR_KW || k === T.T_DQUOTE || k === T.T_DOLLAR_CURLY)
          this.parseBinding(attrs);
        else return;
      } catch (err) {
        if (err !== ABORT) throw err;
        this.depth = depth;
        this.skip(T.T_SEMI, base, terminator);
      }
    }
  }

  private parseBinding(attrs: Attrs): void {
    const start = this.ts;
    let path: AttrName[];
    if (this.t === T.T_ID) {
      // Most bindings are `name = value;`: no attribute path objects for those.
      const name = this.tv as string;
      const end = this.te;
      this.advance();
      if (this.t === T.T_ASSIGN) {
        this.advance();
        const value = this.parseExpr();
        if (this.t !== T.T_SEMI) this.syntaxError([T.T_SEMI]);
        this.advance();
        addAttrName(attrs, name, value, start, end, this.bindingErrors);
        return;
      }
      path = this.parseAttrPath(new AttrName(start, end, name, null));
    } else path = this.parseAttrPath();
    if (this.t !== T.T_ASSIGN) this.syntaxError([T.T_DOT, T.T_ASSIGN]);
    this.advance();
    const value = this.parseExpr();
    if (this.t !== T.T_SEMI) this.syntaxError([T.T_SEMI]);
    this.advance();
    addAttr(attrs, path, value, start, path[path.length - 1].end, this.bindingErrors);
  }

  private parseInherit(attrs: Attrs): void {
    this.advance(); // inherit
    let from: InheritFrom | null = null;
    if (this.t === T.T_LPAREN) {
      this.advance();
      const fromStart = this.ts;
      const e = this.parseExpr();
      if (this.t !== T.T_RPAREN) this.syntaxError([T.T_RPAREN]);
      this.advance();
      if (!attrs.inheritFrom) attrs.inheritFrom = [];
      attrs.inheritFrom.push(e);
      from = new InheritFrom(fromStart, e.end, attrs.inheritFrom.length - 1);
    }
    for (;;) {
      const start = this.ts;
      let name: string;
      const k = this.t;
      if (k === T.T_ID) {
        name = this.tv as string;
        this.advance();
      } else if (k === T.T_OR_KW) {
        name = "or";
        this.advance();
      } else if (k === T.T_DQUOTE || k === T.T_DOLLAR_CURLY) {
        const e = k === T.T_DQUOTE ? this.parseString() : this.parseInterpolation();
        if (e.kind !== N_STRING) {
          this.semantic("dynamic attributes not allowed in inherit", start, this.prevEnd);
          continue;
        }
        name = e.value;
      } else break;
      const end = this.prevEnd;
      const existing = attrs.attrs.get(name);
      if (existing !== undefined) {
        this.semantic(
          `attribute '${printIdentifier(name)}' already defined at ${this.source.describe(existing.start)}`,
          start,
          end,
        );
        continue;
      }
      if (from === null)
        attrs.attrs.set(name, new AttrDef(DEF_INHERITED, new Var(start, end, name), start, end));
      else {
        const sel = new Select(start, end, from, [new AttrName(start, end, name, null)], null);
        attrs.attrs.set(name, new AttrDef(DEF_INHERITED_FROM, sel, start, end));
      }
    }
    if (this.t !== T.T_SEMI)
      this.syntaxError([T.T_ID, T.T_OR_KW, T.T_DOLLAR_CURLY, T.T_DQUOTE, T.T_SEMI]);
    this.advance();
  }

  // ---- strings and paths ----

  private parseString(): Expr {
    const start = this.ts;
    this.advance(); // "
    // Fast path: "" or "text" (no interpolation).
    if (this.t === T.T_DQUOTE) {
      this.advance();
      return new StringLit(start, this.prevEnd, "");
    }
    if (this.t === T.T_STR && this.peek(1) === T.T_DQUOTE) {
      const value = this.tv as string;
      this.advance();
      this.advance();
      return new StringLit(start, this.prevEnd, value);
    }
    const parts: Expr[] = [];
    let interpolated = false;
    for (;;) {
      const k = this.t;
      if (k === T.T_STR) {
        parts.push(new StringLit(this.ts, this.te, this.tv as string));
        this.advance();
      } else if (k === T.T_DOLLAR_CURLY) {
        parts.push(this.parseInterpolation());
        interpolated = true;
      } else if (k === T.T_DQUOTE) {
        this.advance();
        break;
      } else
        this.syntaxError(interpolated ? [T.T_STR, T.T_DOLLAR_CURLY, T.T_DQUOTE] : [T.T_DQUOTE]);
    }
    if (!interpolated)
      return new StringLit(start, this.prevEnd, parts.length ? (parts[0] as StringLit).value : "");
    return new StringInterp(start, this.prevEnd, parts);
  }

  private parseIndString(): Expr {
    const start = this.ts;
    this.advance(); // ''
    const parts: IndPart[] = [];
    for (;;) {
      const k = this.t;
      if (k === T.T_IND_STR) {
        parts.push({
          text: this.tv as string,
          indented: this.tind,
          expr: null,
          start: this.ts,
          end: this.te,
        });
        this.advance();
      } else if (k === T.T_DOLLAR_CURLY) {
        const s = this.ts;
        const e = this.parseInterpolation();
        parts.push({ text: null, indented: false, expr: e, start: s, end: this.prevEnd });
      } else if (k === T.T_IND_STRING_CLOSE) {
        this.advance();
        break;
      } else this.syntaxError([T.T_IND_STR, T.T_DOLLAR_CURLY, T.T_IND_STRING_CLOSE]);
    }
    return stripIndentation(start, this.prevEnd, parts);
  }

  /** path_start PATH_END | path_start string_parts_interpolated PATH_END */
  private parsePath(): Expr {
    const start = this.ts;
    const literal = this.tv as string;
    const home = this.t === T.T_HPATH;
    this.advance();
    const first = new PathLit(start, this.prevEnd, this.resolvePath(literal, home, start));
    if (this.t === T.T_PATH_END) {
      this.advance();
      return first;
    }
    const parts: Expr[] = [first];
    if (this.t === T.T_STR) {
      parts.push(new StringLit(this.ts, this.te, this.tv as string));
      this.advance();
      if (this.t !== T.T_DOLLAR_CURLY) this.syntaxError([T.T_DOLLAR_CURLY]);
    }
    for (;;) {
      const k = this.t;
      if (k === T.T_DOLLAR_CURLY) parts.push(this.parseInterpolation());
      else if (k === T.T_STR) {
        parts.push(new StringLit(this.ts, this.te, this.tv as string));
        this.advance();
      } else if (k === T.T_PATH_END) {
        this.advance();
        break;
      } else this.syntaxError([T.T_STR, T.T_DOLLAR_CURLY, T.T_PATH_END]);
    }
    return new PathInterp(start, this.prevEnd, parts);
  }

  private resolvePath(literal: string, home: boolean, start: number): string {
    if (home) {
      if (this.pureEval || this.home === undefined) {
        this.semantic(
          this.pureEval
            ? `the path '${literal}' can not be resolved in pure mode`
            : `the path '${literal}' can not be resolved: no home directory is known`,
          start,
          start + literal.length,
        );
        return literal;
      }
      return this.home + literal.slice(1);
    }
    let path = absPath(literal, this.basePath);
    // A literal ending in `/` is followed by an interpolation: keep the slash.
    if (literal.length > 1 && literal.charCodeAt(literal.length - 1) === 47) path += "/";
    return path;
  }
}
