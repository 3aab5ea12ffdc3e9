/**
 * Prints an AST the way `nix-instantiate --parse` does (CppNix's `Expr::show`): fully
 * parenthesised, operators desugared (`(__sub a b)`, `(__lessThan b a)`), bindings sorted with
 * inherits first, paths absolute.
 *
 * The `nix-2.8` dialect reproduces Nix 2.8's printer instead, so that tests can compare with the
 * installed oracle: every `$` escaped, `inherit x ;`, `inherit (e) x` shown as `x = (e).x;`, and
 * `let` bindings and formals in symbol-table order (creation order of the names, which the caller
 * supplies as `symbolOrder`; source order otherwise).
 */
import {
  type AttrName,
  type Attrs,
  type Binary,
  type Call,
  DEF_INHERITED,
  DEF_INHERITED_FROM,
  DEF_PLAIN,
  type Expr,
  type InheritFrom,
  type Lambda,
  N_ASSERT,
  N_ATTRS,
  N_BINARY,
  N_CALL,
  N_CUR_POS,
  N_ERROR,
  N_FLOAT,
  N_HAS_ATTR,
  N_IF,
  N_INHERIT_FROM,
  N_INT,
  N_LAMBDA,
  N_LET,
  N_LIST,
  N_NEG,
  N_NOT,
  N_PATH,
  N_PATH_INTERP,
  N_SEARCH_PATH,
  N_SELECT,
  N_STRING,
  N_STRING_INTERP,
  N_VAR,
  N_WITH,
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
  type Select,
} from "./ast.ts";
import { bytesToByteString } from "./bytes.ts";
import { formatFloat, isReservedKeyword, printIdentifier } from "./print-literals.ts";

export const DIALECT_CURRENT = "current";
export const DIALECT_NIX_2_8 = "nix-2.8";

export interface PrintParseOptions {
  dialect?: typeof DIALECT_CURRENT | typeof DIALECT_NIX_2_8;
  /** nix-2.8 only: rank of a name in Nix 2.8's symbol table (smaller = created earlier). */
  symbolOrder?: (name: string) => number;
  /**
   * nix-2.8 only, for tests: chooses the next `let` binding or formal to print from those left
   * (given in source order), knowing how many bytes have been printed so far. Overrides
   * `symbolOrder`.
   */
  pickNext?: (remaining: readonly string[], printedBytes: number) => string;
}

/** The `--parse` text of an expression (without the trailing newline), as a byte string. */
export function printParse(expr: Expr, options: PrintParseOptions = {}): string {
  return bytesToByteString(printParseBytes(expr, options));
}

/** The `--parse` output as bytes (what a command writes; avoids building a large string). */
export function printParseBytes(expr: Expr, options: PrintParseOptions = {}): Uint8Array {
  // The output is usually about as long as the source: start with that much room.
  const p = new Printer(options, Math.max(4096, Math.ceil((expr.end - expr.start) * 1.25)));
  p.expr(expr);
  return p.bytes();
}

/** An attribute path as CppNix shows it in messages and `--parse` output: `a."b c"."${e}"`. */
export function showAttrPath(path: AttrName[], options: PrintParseOptions = {}): string {
  const p = new Printer(options);
  p.attrPath(path);
  return bytesToByteString(p.bytes());
}

const INFIX: string[] = [];
INFIX[OP_EQ] = " == ";
INFIX[OP_NEQ] = " != ";
INFIX[OP_AND] = " && ";
INFIX[OP_OR] = " || ";
INFIX[OP_IMPL] = " -> ";
INFIX[OP_UPDATE] = " // ";
INFIX[OP_CONCAT] = " ++ ";
INFIX[OP_ADD] = " + ";

/**
 * Writes into a growing byte buffer: outputs can be tens of megabytes, and building them as JS
 * strings piece by piece costs more (and stresses the garbage collector) than copying bytes.
 * Every string written is a byte string (code units < 256).
 */
class Printer {
  private buf: Uint8Array;
  private len = 0;
  private readonly v28: boolean;
  private readonly symbolOrder: ((name: string) => number) | undefined;
  private readonly pickNext: PrintParseOptions["pickNext"];

  constructor(options: PrintParseOptions, capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.v28 = options.dialect === DIALECT_NIX_2_8;
    this.symbolOrder = options.symbolOrder;
    this.pickNext = options.pickNext;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** Appends a byte string. */
  private w(s: string): void {
    const n = s.length;
    if (this.len + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let j = this.len;
    for (let i = 0; i < n; i++) buf[j++] = s.charCodeAt(i);
    this.len = j;
  }

  /** Appends one ASCII byte. */
  private c(code: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = code;
  }

  /** Names of a 2.8 `let` or formals list in the order to print them. */
  private order28<T>(items: T[], name: (x: T) => string, print: (x: T) => void): void {
    const pick = this.pickNext;
    if (pick) {
      const left = [...items];
      while (left.length > 0) {
        const chosen = pick(left.map(name), this.len);
        let i = left.findIndex((x) => name(x) === chosen);
        if (i < 0) i = 0;
        print(left[i]);
        left.splice(i, 1);
      }
      return;
    }
    const order = this.symbolOrder;
    const sorted = order ? [...items].sort((a, b) => order(name(a)) - order(name(b))) : items;
    for (const x of sorted) print(x);
  }

  /** A string literal, escaped as printLiteralString does, written straight into the buffer. */
  private str(s: string): void {
    const n = s.length;
    // Worst case every byte is escaped: reserve room once.
    if (this.len + 2 * n + 2 > this.buf.length) this.grow(2 * n + 2);
    const buf = this.buf;
    let j = this.len;
    const all = this.v28;
    buf[j++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 34 || c === 92) {
        buf[j++] = 92;
        buf[j++] = c;
      } else if (c === 10) {
        buf[j++] = 92;
        buf[j++] = 110;
      } else if (c === 13) {
        buf[j++] = 92;
        buf[j++] = 114;
      } else if (c === 9) {
        buf[j++] = 92;
        buf[j++] = 116;
      } else if (c === 36 && (all || s.charCodeAt(i + 1) === 123)) {
        buf[j++] = 92;
        buf[j++] = 36;
      } else buf[j++] = c;
    }
    buf[j++] = 34;
    this.len = j;
  }

  /** An attribute name (printIdentifier), copied straight into the buffer when it is bare. */
  private id(s: string): void {
    const n = s.length;
    if (n === 0 || !IDENT_START[s.charCodeAt(0)]) {
      this.w(printIdentifier(s, this.v28));
      return;
    }
    if (this.len + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let j = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!IDENT_CHAR[c]) {
        this.w(printIdentifier(s, this.v28));
        return;
      }
      buf[j++] = c;
    }
    // Keywords are quoted; they are short and start with one of a few letters.
    if (n <= 7 && KEYWORD_START[s.charCodeAt(0)] && isReservedKeyword(s)) {
      this.w(printIdentifier(s, this.v28));
      return;
    }
    this.len = j;
  }

  expr(e: Expr): void {
    switch (e.kind) {
      case N_INT:
        this.w(String(e.value));
        return;
      case N_FLOAT:
        this.w(formatFloat(e.value));
        return;
      case N_STRING:
        this.str(e.value);
        return;
      case N_PATH:
        this.w(e.value);
        return;
      case N_STRING_INTERP:
      case N_PATH_INTERP: {
        this.c(40);
        const parts = e.parts;
        for (let i = 0; i < parts.length; i++) {
          if (i > 0) this.w(" + ");
          this.expr(parts[i]);
        }
        this.c(41);
        return;
      }
      case N_VAR:
        this.w(e.name);
        return;
      case N_CUR_POS:
        this.w("__curPos");
        return;
      case N_SELECT:
        this.c(40);
        this.expr(e.expr);
        this.w(").");
        this.attrPath(e.path);
        if (e.default) {
          this.w(" or (");
          this.expr(e.default);
          this.c(41);
        }
        return;
      case N_HAS_ATTR:
        this.w("((");
        this.expr(e.expr);
        this.w(") ? ");
        this.attrPath(e.path);
        this.c(41);
        return;
      case N_ATTRS:
        if (e.rec) this.w("rec ");
        this.w("{ ");
        this.bindings(e, false);
        this.w("}");
        return;
      case N_LIST:
        this.w("[ ");
        for (const x of e.elems) {
          this.c(40);
          this.expr(x);
          this.w(") ");
        }
        this.w("]");
        return;
      case N_LAMBDA:
        this.lambda(e);
        return;
      case N_CALL:
        this.call(e);
        return;
      case N_LET:
        this.w("(let ");
        this.bindings(e.attrs, true);
        this.w("in ");
        this.expr(e.body);
        this.c(41);
        return;
      case N_WITH:
        this.w("(with ");
        this.expr(e.env);
        this.w("; ");
        this.expr(e.body);
        this.c(41);
        return;
      case N_IF:
        this.w("(if ");
        this.expr(e.cond);
        this.w(" then ");
        this.expr(e.consequent);
        this.w(" else ");
        this.expr(e.alternate);
        this.c(41);
        return;
      case N_ASSERT:
        this.w("assert ");
        this.expr(e.cond);
        this.w("; ");
        this.expr(e.body);
        return;
      case N_NOT:
        this.w("(! ");
        this.expr(e.expr);
        this.c(41);
        return;
      case N_NEG:
      case N_SEARCH_PATH:
        this.c(40);
        this.callHead(e);
        this.c(41);
        return;
      case N_BINARY:
        this.binary(e);
        return;
      case N_INHERIT_FROM:
        // Only reachable through `bindings`, which prints the source expression instead.
        this.w("<inherit-from>");
        return;
      case N_ERROR:
        this.w("<error>");
        return;
    }
  }

  /**
   * A binary operator. Printed as PREFIX first MIDDLE second SUFFIX, where `first` is the left
   * operand except for `>` and `<=` (which swap). Left-leaning chains (`a + b + c + ...`, any
   * length) are printed with a loop over the spine of `first` operands instead of recursion.
   */
  private binary(e: Binary): void {
    const spine: Binary[] = [];
    let cur: Expr = e;
    while (cur.kind === N_BINARY) {
      spine.push(cur);
      cur = binaryFirst(cur);
    }
    for (const b of spine) this.w(binaryPrefix(b));
    this.expr(cur);
    for (let i = spine.length - 1; i >= 0; i--) {
      const b = spine[i];
      this.w(INFIX[b.op] ?? " ");
      this.expr(binarySecond(b));
      this.w(b.op === OP_LE || b.op === OP_GE ? "))" : ")");
    }
  }

  /** True for nodes that CppNix represents as an ExprCall (so applying them adds arguments). */
  private isCallLike(e: Expr): boolean {
    if (e.kind === N_NEG || e.kind === N_SEARCH_PATH) return true;
    if (e.kind === N_BINARY)
      return (
        e.op === OP_SUB || e.op === OP_MUL || e.op === OP_DIV || e.op === OP_LT || e.op === OP_GT
      );
    return false;
  }

  /** The function and arguments of a call-like node, without the parentheses. */
  private callHead(e: Expr): void {
    if (e.kind === N_NEG) {
      this.w("__sub 0 ");
      this.expr(e.expr);
    } else if (e.kind === N_SEARCH_PATH) {
      this.w("__findFile __nixPath ");
      this.str(e.path);
    } else if (e.kind === N_BINARY) {
      // `(` + head, so that arguments can follow before the `)`.
      this.w(binaryPrefix(e).slice(1));
      this.expr(binaryFirst(e));
      this.c(32);
      this.expr(binarySecond(e));
    } else this.expr(e);
  }

  private call(e: Call): void {
    this.c(40);
    // CppNix adds arguments to an existing call (`(a - b) c` is `(__sub a b c)`), except that the
    // cursed `or` always makes a new call.
    if (!e.cursedOr && this.isCallLike(e.fn)) this.callHead(e.fn);
    else this.expr(e.fn);
    for (const a of e.args) {
      this.c(32);
      this.expr(a);
    }
    this.c(41);
  }

  private lambda(e: Lambda): void {
    this.c(40);
    const f = e.formals;
    if (f) {
      this.w("{ ");
      let first = true;
      const printFormal = (formal: (typeof f.entries)[number]) => {
        if (!first) this.w(", ");
        first = false;
        this.w(formal.name);
        if (formal.default) {
          this.w(" ? ");
          this.expr(formal.default);
        }
      };
      if (this.v28) this.order28(f.entries, (x) => x.name, printFormal);
      else {
        const sorted = [...f.entries].sort((a, b) => compareBytes(a.name, b.name));
        for (const formal of sorted) printFormal(formal);
      }
      if (f.ellipsis) {
        if (!first) this.w(", ");
        this.w("...");
      }
      this.w(" }");
      if (e.arg !== null) this.w(" @ ");
    }
    if (e.arg !== null) this.w(e.arg);
    this.w(": ");
    this.expr(e.body);
    this.c(41);
  }

  attrPath(path: AttrName[]): void {
    for (let i = 0; i < path.length; i++) {
      if (i > 0) this.c(46);
      const a = path[i];
      if (a.name !== null) this.id(a.name);
      else {
        this.w('"${');
        this.expr(a.expr!);
        this.w('}"');
      }
    }
  }

  private bindings(a: Attrs, isLet: boolean): void {
    if (this.v28) {
      this.bindings28(a, isLet);
      return;
    }
    const attrs = a.attrs;
    const names: string[] = [];
    let inherits = false;
    for (const [n, d] of attrs) {
      names.push(n);
      if (d.kind !== DEF_PLAIN) inherits = true;
    }
    if (names.length > 1) names.sort(compareBytes);
    if (inherits) this.inherits(a, names);
    for (const n of names) {
      const d = attrs.get(n)!;
      if (d.kind !== DEF_PLAIN) continue;
      this.id(n);
      this.w(" = ");
      this.expr(d.value);
      this.w("; ");
    }
    this.dynamicBindings(a);
  }

  /** `inherit x y;`, then `inherit (e) ...;` grouped by source in statement order. */
  private inherits(a: Attrs, sortedNames: string[]): void {
    const plain: string[] = [];
    const fromGroups = new Map<number, string[]>();
    for (const n of sortedNames) {
      const d = a.attrs.get(n)!;
      if (d.kind === DEF_INHERITED) plain.push(n);
      else if (d.kind === DEF_INHERITED_FROM) {
        const idx = ((d.value as Select).expr as InheritFrom).index;
        const g = fromGroups.get(idx);
        if (g) g.push(n);
        else fromGroups.set(idx, [n]);
      }
    }
    if (plain.length > 0) {
      this.w("inherit");
      for (const n of plain) {
        this.c(32);
        this.id(n);
      }
      this.w("; ");
    }
    for (const idx of [...fromGroups.keys()].sort((x, y) => x - y)) {
      this.w("inherit (");
      this.expr(a.inheritFrom![idx]);
      this.c(41);
      for (const n of fromGroups.get(idx)!) {
        this.c(32);
        this.id(n);
      }
      this.w("; ");
    }
  }

  private bindings28(a: Attrs, isLet: boolean): void {
    const printOne = (n: string) => {
      const d = a.attrs.get(n)!;
      if (d.kind === DEF_INHERITED) {
        this.w("inherit ");
        this.id(n);
        this.w(isLet ? "; " : " ; ");
      } else {
        this.id(n);
        this.w(" = ");
        if (d.kind === DEF_INHERITED_FROM) {
          const sel = d.value as Select;
          this.c(40);
          this.expr(a.inheritFrom![(sel.expr as InheritFrom).index]);
          this.w(").");
          this.attrPath(sel.path);
        } else this.expr(d.value);
        this.w("; ");
      }
    };
    const names = [...a.attrs.keys()];
    if (isLet) this.order28(names, (n) => n, printOne);
    else for (const n of names.sort(compareBytes)) printOne(n);
    this.dynamicBindings(a);
  }

  private dynamicBindings(a: Attrs): void {
    for (const d of a.dynamic) {
      this.w('"${');
      this.expr(d.name);
      this.w('}" = ');
      this.expr(d.value);
      this.w("; ");
    }
  }
}

// Bytes of bare attribute names ([a-zA-Z_][a-zA-Z0-9_'-]*) and first letters of keywords.
const IDENT_START = new Uint8Array(256);
const IDENT_CHAR = new Uint8Array(256);
const KEYWORD_START = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[a-zA-Z_]/.test(ch)) IDENT_START[c] = 1;
  if (/[a-zA-Z0-9_'-]/.test(ch)) IDENT_CHAR[c] = 1;
  if ("aeilrtw".includes(ch)) KEYWORD_START[c] = 1;
}

/** Operator names of the operators CppNix turns into calls. */
const CALLED: string[] = [];
CALLED[OP_SUB] = "__sub";
CALLED[OP_MUL] = "__mul";
CALLED[OP_DIV] = "__div";
CALLED[OP_LT] = "__lessThan";
CALLED[OP_GT] = "__lessThan";

function binaryPrefix(b: Binary): string {
  if (INFIX[b.op] !== undefined) return "(";
  if (b.op === OP_LE || b.op === OP_GE) return "(! (__lessThan ";
  return `(${CALLED[b.op]} `;
}

/** The operand printed first: `a > b` is `__lessThan b a`, `a <= b` is `! (__lessThan b a)`. */
function binaryFirst(b: Binary): Expr {
  return b.op === OP_GT || b.op === OP_LE ? b.right : b.left;
}

function binarySecond(b: Binary): Expr {
  return b.op === OP_GT || b.op === OP_LE ? b.left : b.right;
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
