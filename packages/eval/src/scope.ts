/**
 * The undefined-variable check CppNix performs right after parsing (`bindVars`): a variable must be
 * bound by an enclosing lambda, `let` or `rec` set, be a global, or be under some `with`. Scoping
 * follows current CppNix: `inherit x;` looks outside the set/let being defined, `inherit (e)`
 * sources and dynamic names of a `rec` set see its own bindings, formal defaults see all formals.
 * Operators that desugar to variables (`-` to `__sub`, `<p>` to `__findFile __nixPath`) are
 * checked as those variables.
 */
import {
  type Attrs,
  type Binary,
  DEF_INHERITED,
  DEF_PLAIN,
  type Expr,
  type Lambda,
  N_ASSERT,
  N_ATTRS,
  N_BINARY,
  N_CALL,
  N_HAS_ATTR,
  N_IF,
  N_LAMBDA,
  N_LET,
  N_LIST,
  N_NEG,
  N_NOT,
  N_PATH_INTERP,
  N_SEARCH_PATH,
  N_SELECT,
  N_STRING_INTERP,
  N_VAR,
  N_WITH,
  OP_DIV,
  OP_GE,
  OP_GT,
  OP_LE,
  OP_LT,
  OP_MUL,
  OP_SUB,
  type Var,
} from "./ast.ts";

export type UndefinedReporter = (name: string, start: number, end: number) => void;

export function checkScopes(
  expr: Expr,
  isGlobal: (name: string) => boolean,
  report: UndefinedReporter,
): void {
  new ScopeChecker(isGlobal, report).visit(expr);
}

/**
 * A lexical scope is looked up where the AST already keeps its names: a `let`'s or `rec` set's
 * binding map, or a lambda's argument and formals. Nothing is copied or mutated while checking.
 */
type Scope = ReadonlyMap<string, unknown> | Lambda;

class ScopeChecker {
  private readonly scopes: Scope[] = [];
  private withDepth = 0;
  private readonly isGlobal: (name: string) => boolean;
  private readonly report: UndefinedReporter;

  constructor(isGlobal: (name: string) => boolean, report: UndefinedReporter) {
    this.isGlobal = isGlobal;
    this.report = report;
  }

  /** A use of `name`, resolved in the scopes below index `top` (all of them by default). */
  private use(name: string, start: number, end: number, top = this.scopes.length): void {
    if (this.withDepth > 0) return;
    const scopes = this.scopes;
    for (let i = top - 1; i >= 0; i--) {
      const s = scopes[i];
      if (s instanceof Map) {
        if (s.has(name)) return;
      } else {
        const l = s as Lambda;
        if (l.arg === name) return;
        const f = l.formals;
        if (f !== null) for (const x of f.entries) if (x.name === name) return;
      }
    }
    if (this.isGlobal(name)) return;
    this.report(name, start, end);
  }

  visit(e: Expr): void {
    switch (e.kind) {
      case N_VAR:
        this.use(e.name, e.start, e.end);
        return;
      case N_STRING_INTERP:
      case N_PATH_INTERP:
        for (const p of e.parts) this.visit(p);
        return;
      case N_SELECT:
        this.visit(e.expr);
        if (e.default) this.visit(e.default);
        for (const a of e.path) if (a.expr) this.visit(a.expr);
        return;
      case N_HAS_ATTR:
        this.visit(e.expr);
        for (const a of e.path) if (a.expr) this.visit(a.expr);
        return;
      case N_ATTRS:
        this.attrs(e, e.rec);
        return;
      case N_LIST:
        for (const x of e.elems) this.visit(x);
        return;
      case N_LAMBDA: {
        this.scopes.push(e);
        if (e.formals) for (const f of e.formals.entries) if (f.default) this.visit(f.default);
        this.visit(e.body);
        this.scopes.pop();
        return;
      }
      case N_CALL:
        this.visit(e.fn);
        for (const a of e.args) this.visit(a);
        return;
      case N_LET:
        this.attrs(e.attrs, true, e.body);
        return;
      case N_WITH:
        this.visit(e.env);
        this.withDepth++;
        this.visit(e.body);
        this.withDepth--;
        return;
      case N_IF:
        this.visit(e.cond);
        this.visit(e.consequent);
        this.visit(e.alternate);
        return;
      case N_ASSERT:
        this.visit(e.cond);
        this.visit(e.body);
        return;
      case N_NOT:
        this.visit(e.expr);
        return;
      case N_NEG:
        this.use("__sub", e.start, e.start + 1);
        this.visit(e.expr);
        return;
      case N_SEARCH_PATH:
        this.use("__findFile", e.start, e.end);
        this.use("__nixPath", e.start, e.end);
        return;
      case N_BINARY:
        this.binary(e);
        return;
      default:
        // Literals, __curPos, InheritFrom (handled with its set), error placeholders.
        return;
    }
  }

  /**
   * In the order CppNix visits the desugared call: function, then arguments (`a > b` is
   * `__lessThan b a`). Left-leaning chains (`a + b + c ...`, any length) are walked with a loop.
   */
  private binary(e: Binary): void {
    const spine: Binary[] = [];
    let cur: Expr = e;
    while (cur.kind === N_BINARY) {
      spine.push(cur);
      const op: number = cur.op;
      if (op === OP_SUB) this.use("__sub", cur.opStart, cur.opStart + 1);
      else if (op === OP_MUL) this.use("__mul", cur.opStart, cur.opStart + 1);
      else if (op === OP_DIV) this.use("__div", cur.opStart, cur.opStart + 1);
      else if (op === OP_LT || op === OP_GT || op === OP_LE || op === OP_GE)
        this.use("__lessThan", cur.opStart, cur.opStart + 1);
      cur = op === OP_GT || op === OP_LE ? cur.right : cur.left;
    }
    this.visit(cur);
    for (let i = spine.length - 1; i >= 0; i--) {
      const b = spine[i];
      this.visit(b.op === OP_GT || b.op === OP_LE ? b.left : b.right);
    }
  }

  /**
   * Visits a set's (or let's) bindings in CppNix's order: `inherit (e)` sources, bindings, dynamic
   * bindings; then a let's `body`. When `recursive`, the static names are in scope for the values;
   * `inherit x;` still looks outside.
   */
  private attrs(a: Attrs, recursive: boolean, body: Expr | null = null): void {
    if (recursive) this.scopes.push(a.attrs);
    const outside = recursive ? this.scopes.length - 1 : this.scopes.length;
    if (a.inheritFrom) for (const src of a.inheritFrom) this.visit(src);
    for (const d of a.attrs.values()) {
      if (d.kind === DEF_PLAIN) this.visit(d.value);
      else if (d.kind === DEF_INHERITED) {
        const v = d.value as Var;
        this.use(v.name, v.start, v.end, outside);
      }
    }
    for (const d of a.dynamic) {
      this.visit(d.name);
      this.visit(d.value);
    }
    if (body !== null) this.visit(body);
    if (recursive) this.scopes.pop();
  }
}
