/**
 * The typed AST. Every node has a numeric `kind` and a byte span `[start, end)` into the source.
 * The shapes follow CppNix's `nixexpr.hh` closely (bindings in `Attrs`, flattened calls, string
 * interpolation as a list of parts, `inherit (e)` sources kept once per set) because evaluation
 * semantics and `--parse` output depend on them; operators that CppNix desugars to calls of
 * shadowable variables (`-` is `__sub`, `<` is `__lessThan`, `<p>` is `__findFile __nixPath "p"`)
 * stay as syntax here (`Binary`, `Neg`, `SearchPath`) and the consumer does the desugaring.
 *
 * Strings (literal values, names) are byte strings: code units are bytes 0..255.
 */

export const N_INT = 1;
export const N_FLOAT = 2;
/** A string without interpolation: "..." , ''...'' after indentation stripping, or a URI. */
export const N_STRING = 3;
/** A path literal without interpolation, already made absolute. */
export const N_PATH = 4;
/** "a${b}c" or an interpolated indented string; CppNix's ExprConcatStrings(forceString=true). */
export const N_STRING_INTERP = 5;
/** ./a/${b}: first part a Path, then strings and expressions. */
export const N_PATH_INTERP = 6;
export const N_VAR = 7;
/** `__curPos` */
export const N_CUR_POS = 8;
export const N_SELECT = 9;
export const N_HAS_ATTR = 10;
export const N_ATTRS = 11;
export const N_LIST = 12;
export const N_LAMBDA = 13;
export const N_CALL = 14;
export const N_LET = 15;
export const N_WITH = 16;
export const N_IF = 17;
export const N_ASSERT = 18;
export const N_NOT = 19;
/** Unary minus; CppNix: `__sub 0 e`. */
export const N_NEG = 20;
export const N_BINARY = 21;
/** `<p>`; CppNix: `__findFile __nixPath "p"`. */
export const N_SEARCH_PATH = 22;
/** The set `e` of an `inherit (e) ...`, as used by the Select of each inherited name. */
export const N_INHERIT_FROM = 23;
/** Placeholder where the parser recovered from a syntax error. */
export const N_ERROR = 24;

// Binary operators.
export const OP_EQ = 1; // ==
export const OP_NEQ = 2; // !=
export const OP_AND = 3; // &&
export const OP_OR = 4; // ||
export const OP_IMPL = 5; // ->
export const OP_UPDATE = 6; // //
export const OP_CONCAT = 7; // ++
/** `+`: CppNix's ExprConcatStrings(forceString=false). */
export const OP_ADD = 8;
export const OP_SUB = 9; // __sub a b
export const OP_MUL = 10; // __mul a b
export const OP_DIV = 11; // __div a b
export const OP_LT = 12; // __lessThan a b
export const OP_GT = 13; // __lessThan b a
export const OP_LE = 14; // ! (__lessThan b a)
export const OP_GE = 15; // ! (__lessThan a b)

export const OP_SYMBOLS: readonly string[] = [
  "",
  "==",
  "!=",
  "&&",
  "||",
  "->",
  "//",
  "++",
  "+",
  "-",
  "*",
  "/",
  "<",
  ">",
  "<=",
  ">=",
];

export class IntLit {
  readonly kind = N_INT;
  start: number;
  end: number;
  /** A number while it is a safe integer, a bigint beyond (always within signed 64 bits). */
  value: number | bigint;
  constructor(start: number, end: number, value: number | bigint) {
    this.start = start;
    this.end = end;
    this.value = value;
  }
}

export class FloatLit {
  readonly kind = N_FLOAT;
  start: number;
  end: number;
  value: number;
  constructor(start: number, end: number, value: number) {
    this.start = start;
    this.end = end;
    this.value = value;
  }
}

export class StringLit {
  readonly kind = N_STRING;
  start: number;
  end: number;
  /** Byte string. */
  value: string;
  /** Written as a URI literal (`http://x`); CppNix makes it an ordinary string. */
  uri: boolean;
  constructor(start: number, end: number, value: string, uri = false) {
    this.start = start;
    this.end = end;
    this.value = value;
    this.uri = uri;
  }
}

export class PathLit {
  readonly kind = N_PATH;
  start: number;
  end: number;
  /** Absolute, canonical path (a trailing `/` is kept when an interpolation follows). */
  value: string;
  constructor(start: number, end: number, value: string) {
    this.start = start;
    this.end = end;
    this.value = value;
  }
}

export class StringInterp {
  readonly kind = N_STRING_INTERP;
  start: number;
  end: number;
  /** Literal pieces are StringLit; the rest are interpolated expressions. */
  parts: Expr[];
  constructor(start: number, end: number, parts: Expr[]) {
    this.start = start;
    this.end = end;
    this.parts = parts;
  }
}

export class PathInterp {
  readonly kind = N_PATH_INTERP;
  start: number;
  end: number;
  /** parts[0] is a PathLit; later literal pieces are StringLit. */
  parts: Expr[];
  constructor(start: number, end: number, parts: Expr[]) {
    this.start = start;
    this.end = end;
    this.parts = parts;
  }
}

export class Var {
  readonly kind = N_VAR;
  start: number;
  end: number;
  name: string;
  constructor(start: number, end: number, name: string) {
    this.start = start;
    this.end = end;
    this.name = name;
  }
}

export class CurPos {
  readonly kind = N_CUR_POS;
  start: number;
  end: number;
  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }
}

/** One component of an attribute path: a static name, or an expression (`${e}`, `"a${b}"`). */
export class AttrName {
  start: number;
  end: number;
  name: string | null;
  expr: Expr | null;
  constructor(start: number, end: number, name: string | null, expr: Expr | null) {
    this.start = start;
    this.end = end;
    this.name = name;
    this.expr = expr;
  }
}

export class Select {
  readonly kind = N_SELECT;
  start: number;
  end: number;
  expr: Expr;
  path: AttrName[];
  /** The `or` default. */
  default: Expr | null;
  constructor(start: number, end: number, expr: Expr, path: AttrName[], def: Expr | null) {
    this.start = start;
    this.end = end;
    this.expr = expr;
    this.path = path;
    this.default = def;
  }
}

export class HasAttr {
  readonly kind = N_HAS_ATTR;
  start: number;
  end: number;
  expr: Expr;
  path: AttrName[];
  constructor(start: number, end: number, expr: Expr, path: AttrName[]) {
    this.start = start;
    this.end = end;
    this.expr = expr;
    this.path = path;
  }
}

/** `name = value;` */
export const DEF_PLAIN = 0;
/** `inherit name;` (value is a Var resolved in the scope outside the set) */
export const DEF_INHERITED = 1;
/** `inherit (e) name;` (value is Select(InheritFrom, name)) */
export const DEF_INHERITED_FROM = 2;

export class AttrDef {
  kind: number;
  value: Expr;
  /** Where CppNix positions the binding: the start of the attribute path / inherited name. */
  start: number;
  end: number;
  constructor(kind: number, value: Expr, start: number, end: number) {
    this.kind = kind;
    this.value = value;
    this.start = start;
    this.end = end;
  }
}

export class DynamicAttrDef {
  name: Expr;
  value: Expr;
  start: number;
  end: number;
  constructor(name: Expr, value: Expr, start: number, end: number) {
    this.name = name;
    this.value = value;
    this.start = start;
    this.end = end;
  }
}

/**
 * The `dynamic` list of sets without dynamic bindings (most of them): shared and frozen, so it
 * costs nothing; code that adds a dynamic binding replaces it with a new array first.
 */
export const NO_DYNAMIC: DynamicAttrDef[] = Object.freeze([]) as unknown as DynamicAttrDef[];

export class Attrs {
  readonly kind = N_ATTRS;
  start: number;
  end: number;
  rec: boolean;
  /** Static bindings in definition order (printing sorts them). */
  attrs: Map<string, AttrDef>;
  /** `${e} = v;` bindings in order (NO_DYNAMIC when there are none). */
  dynamic: DynamicAttrDef[];
  /** The `e` of each `inherit (e) ...` statement, indexed by InheritFrom.index. */
  inheritFrom: Expr[] | null;
  constructor(start: number, end: number, rec: boolean) {
    this.start = start;
    this.end = end;
    this.rec = rec;
    this.attrs = new Map();
    this.dynamic = NO_DYNAMIC;
    this.inheritFrom = null;
  }
}

export class InheritFrom {
  readonly kind = N_INHERIT_FROM;
  start: number;
  end: number;
  index: number;
  constructor(start: number, end: number, index: number) {
    this.start = start;
    this.end = end;
    this.index = index;
  }
}

export class List {
  readonly kind = N_LIST;
  start: number;
  end: number;
  elems: Expr[];
  constructor(start: number, end: number, elems: Expr[]) {
    this.start = start;
    this.end = end;
    this.elems = elems;
  }
}

export class Formal {
  start: number;
  end: number;
  name: string;
  default: Expr | null;
  constructor(start: number, end: number, name: string, def: Expr | null) {
    this.start = start;
    this.end = end;
    this.name = name;
    this.default = def;
  }
}

export class Formals {
  /** In source order. */
  entries: Formal[];
  ellipsis: boolean;
  constructor(entries: Formal[], ellipsis: boolean) {
    this.entries = entries;
    this.ellipsis = ellipsis;
  }
}

export class Lambda {
  readonly kind = N_LAMBDA;
  start: number;
  end: number;
  /** `x` in `x: ...`, or the `@` name; null for a plain formals pattern. */
  arg: string | null;
  formals: Formals | null;
  body: Expr;
  constructor(start: number, end: number, arg: string | null, formals: Formals | null, body: Expr) {
    this.start = start;
    this.end = end;
    this.arg = arg;
    this.formals = formals;
    this.body = body;
  }
}

export class Call {
  readonly kind = N_CALL;
  start: number;
  end: number;
  fn: Expr;
  /** `f a b` is one call with two arguments, as in CppNix. */
  args: Expr[];
  /**
   * Made by the "cursed or" (`f or`: f applied to a variable named `or`), which CppNix
   * deprecates. Such a call is never merged into a desugared operator call when printed.
   */
  cursedOr: boolean;
  constructor(start: number, end: number, fn: Expr, args: Expr[], cursedOr = false) {
    this.start = start;
    this.end = end;
    this.fn = fn;
    this.args = args;
    this.cursedOr = cursedOr;
  }
}

export class Let {
  readonly kind = N_LET;
  start: number;
  end: number;
  /** The bindings (a non-`rec` Attrs used only as a container). */
  attrs: Attrs;
  body: Expr;
  constructor(start: number, end: number, attrs: Attrs, body: Expr) {
    this.start = start;
    this.end = end;
    this.attrs = attrs;
    this.body = body;
  }
}

export class With {
  readonly kind = N_WITH;
  start: number;
  end: number;
  env: Expr;
  body: Expr;
  constructor(start: number, end: number, env: Expr, body: Expr) {
    this.start = start;
    this.end = end;
    this.env = env;
    this.body = body;
  }
}

export class If {
  readonly kind = N_IF;
  start: number;
  end: number;
  cond: Expr;
  /** The `then` branch (not named `then`, which would make nodes look like promises). */
  consequent: Expr;
  alternate: Expr;
  constructor(start: number, end: number, cond: Expr, consequent: Expr, alternate: Expr) {
    this.start = start;
    this.end = end;
    this.cond = cond;
    this.consequent = consequent;
    this.alternate = alternate;
  }
}

export class Assert {
  readonly kind = N_ASSERT;
  start: number;
  end: number;
  cond: Expr;
  body: Expr;
  constructor(start: number, end: number, cond: Expr, body: Expr) {
    this.start = start;
    this.end = end;
    this.cond = cond;
    this.body = body;
  }
}

export class Not {
  readonly kind = N_NOT;
  start: number;
  end: number;
  expr: Expr;
  constructor(start: number, end: number, expr: Expr) {
    this.start = start;
    this.end = end;
    this.expr = expr;
  }
}

export class Neg {
  readonly kind = N_NEG;
  start: number;
  end: number;
  expr: Expr;
  constructor(start: number, end: number, expr: Expr) {
    this.start = start;
    this.end = end;
    this.expr = expr;
  }
}

export class Binary {
  readonly kind = N_BINARY;
  start: number;
  end: number;
  op: number;
  left: Expr;
  right: Expr;
  /** Offset of the operator token (CppNix positions operator errors there). */
  opStart: number;
  constructor(start: number, end: number, op: number, left: Expr, right: Expr, opStart: number) {
    this.start = start;
    this.end = end;
    this.op = op;
    this.left = left;
    this.right = right;
    this.opStart = opStart;
  }
}

export class SearchPath {
  readonly kind = N_SEARCH_PATH;
  start: number;
  end: number;
  /** The text between `<` and `>`. */
  path: string;
  constructor(start: number, end: number, path: string) {
    this.start = start;
    this.end = end;
    this.path = path;
  }
}

export class ErrorNode {
  readonly kind = N_ERROR;
  start: number;
  end: number;
  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }
}

export type Expr =
  | IntLit
  | FloatLit
  | StringLit
  | PathLit
  | StringInterp
  | PathInterp
  | Var
  | CurPos
  | Select
  | HasAttr
  | Attrs
  | InheritFrom
  | List
  | Lambda
  | Call
  | Let
  | With
  | If
  | Assert
  | Not
  | Neg
  | Binary
  | SearchPath
  | ErrorNode;
