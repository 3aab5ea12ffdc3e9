/**
 * The compiler: AST -> JS closures. Variables bound by `let`, `rec`, lambdas and `inherit (e)`
 * sources are resolved at compile time to (frame level, slot) pairs; globals become constants;
 * names under `with` are looked up at run time in the `with` sets, innermost first, only after
 * lexical scope and globals (CppNix's rule).
 *
 * Runtime environments are arrays `[parent, slot1, slot2, …]`, one per scope (lambda call,
 * `let`, `rec` set, `with`, set with `inherit (e)`). Compiled code `(env) => Value` returns weak
 * head normal form; `lazy` code returns a slot (a value when that is free, a Thunk otherwise).
 */
import {
  type AttrDef,
  type AttrName,
  type Attrs,
  type Binary,
  type Call,
  DEF_INHERITED,
  type Expr,
  type InheritFrom,
  type Lambda as LambdaNode,
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
  type Var as VarNode,
} from "./ast.ts";
import { coerceToString } from "./coerce.ts";
import { NixError, throwCatchable, throwEval } from "./eval-error.ts";
import { add, div, eqValues, lessThan, mul, sub, updateAttrs } from "./operators.ts";
import { canonPath } from "./paths.ts";
import { printParse } from "./print-parse.ts";
import {
  callPrimOp2,
  callPrimOp3,
  callValue,
  forceAttrs,
  forceBool,
  forceList,
  forceStringNoCtx,
  state,
  typeError,
} from "./runtime.ts";
import { findFile } from "./search-path.ts";
import type { Source } from "./source.ts";
import {
  type Code,
  type Env,
  force,
  Lambda,
  type LambdaInfo,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  type Pos,
  PrimOp,
  type Slot,
  showType,
  Thunk,
  type Value,
  valueThunk,
} from "./values.ts";

type Lazy = (env: Env) => Slot;

interface Scope {
  parent: Scope | null;
  /** Slot of each name bound by this scope (slots start at 1). */
  names: Map<string, number> | null;
  isWith: boolean;
}

type Resolved =
  | { kind: "local"; level: number; slot: number }
  | { kind: "global"; value: Slot }
  | { kind: "with"; levels: number[] }
  | { kind: "none" };

export interface CompileOptions {
  source: Source;
  /** The base environment: names visible everywhere unless shadowed. */
  globals: ReadonlyMap<string, Slot>;
  /** Names of an outermost frame (scopedImport), slots 1.. in this order. */
  topNames?: readonly string[];
}

/** Compiles a parsed expression; the result runs in the environment built by `topEnv`. */
export function compileExpr(expr: Expr, options: CompileOptions): Code {
  const c = new Compiler(options);
  let scope: Scope | null = null;
  if (options.topNames) {
    const names = new Map<string, number>();
    options.topNames.forEach((n, i) => {
      names.set(n, i + 1);
    });
    scope = { parent: null, names, isWith: false };
  }
  return c.compile(expr, scope);
}

function localGet(level: number, slot: number): Lazy {
  switch (level) {
    case 0:
      return (env) => env[slot];
    case 1:
      return (env) => env[0][slot];
    case 2:
      return (env) => env[0][0][slot];
    case 3:
      return (env) => env[0][0][0][slot];
    default:
      return (env) => {
        for (let l = level; l > 0; l--) env = env[0];
        return env[slot];
      };
  }
}

function localForce(level: number, slot: number): Code {
  switch (level) {
    case 0:
      return (env) => {
        const s = env[slot];
        return s instanceof Thunk ? s.force() : s;
      };
    case 1:
      return (env) => {
        const s = env[0][slot];
        return s instanceof Thunk ? s.force() : s;
      };
    case 2:
      return (env) => {
        const s = env[0][0][slot];
        return s instanceof Thunk ? s.force() : s;
      };
    default: {
      const get = localGet(level, slot);
      return (env) => {
        const s = get(env);
        return s instanceof Thunk ? s.force() : s;
      };
    }
  }
}

function up(env: Env, level: number): Env {
  for (let l = level; l > 0; l--) env = env[0];
  return env;
}

/**
 * Nested lambda calls (CppNix `max-call-depth`; see DEFAULT_MAX_CALL_DEPTH): past the limit a call fails with
 * "stack overflow; max-call-depth exceeded" instead of exhausting the JS stack. The counter is not
 * decremented when an error unwinds a call: code that catches errors and goes on (`tryEval`,
 * printing) saves and restores it, and every evaluation starts at 0.
 */
let callDepth = 0;
let maxCallDepth = 200000;

export function setMaxCallDepth(n: number): void {
  maxCallDepth = n;
}
export function getCallDepth(): number {
  return callDepth;
}
export function setCallDepth(n: number): void {
  callDepth = n;
}
function callDepthExceeded(): never {
  callDepth--;
  return throwEval("stack overflow; max-call-depth exceeded");
}

function addTrace(e: unknown, message: string, pos: Pos | null): void {
  if (e instanceof NixError) e.addTrace(message, pos);
}

class Compiler {
  readonly source: Source;
  readonly globals: ReadonlyMap<string, Slot>;
  /** Where each `inherit (e)` source lives: the scope of its frame and the slot. */
  private readonly inheritSlots = new Map<InheritFrom, { scope: Scope; slot: number }>();

  constructor(options: CompileOptions) {
    this.source = options.source;
    this.globals = options.globals;
  }

  pos(offset: number): Pos {
    return { source: this.source, offset };
  }

  resolve(name: string, scope: Scope | null): Resolved {
    let level = 0;
    const withLevels: number[] = [];
    for (let s = scope; s !== null; s = s.parent, level++) {
      if (s.isWith) {
        withLevels.push(level);
        continue;
      }
      const slot = s.names?.get(name);
      if (slot !== undefined) return { kind: "local", level, slot };
    }
    const g = this.globals.get(name);
    if (g !== undefined) return { kind: "global", value: g };
    if (withLevels.length > 0) return { kind: "with", levels: withLevels };
    return { kind: "none" };
  }

  /** True when `name` is bound lexically (shadowing the operator's builtin). */
  shadowed(name: string, scope: Scope | null): boolean {
    for (let s = scope; s !== null; s = s.parent) if (!s.isWith && s.names?.has(name)) return true;
    return false;
  }

  compile(e: Expr, scope: Scope | null): Code {
    switch (e.kind) {
      case N_INT: {
        const v = e.value;
        return () => v;
      }
      case N_FLOAT: {
        const v = new NixFloat(e.value);
        return () => v;
      }
      case N_STRING: {
        const v = e.value;
        return () => v;
      }
      case N_PATH: {
        const v = new NixPath(e.value);
        return () => v;
      }
      case N_VAR:
        return this.compileVar(e.name, e.start, scope, true) as Code;
      case N_SELECT:
        return this.compileSelect(e, scope);
      case N_HAS_ATTR:
        return this.compileHasAttr(e.expr, e.path, e.start, scope);
      case N_ATTRS:
        return this.compileAttrs(e, scope);
      case N_LIST: {
        const elems = e.elems.map((x) => this.lazy(x, scope, false));
        const n = elems.length;
        if (n === 0) return () => [];
        return (env) => {
          const out = new Array(n);
          for (let i = 0; i < n; i++) out[i] = elems[i](env);
          return out;
        };
      }
      case N_LAMBDA: {
        const info = this.compileLambda(e, scope, "");
        return (env) => new Lambda(info, env);
      }
      case N_CALL:
        return this.compileCall(e, scope);
      case N_LET:
        return this.compileLet(e.attrs, e.body, scope);
      case N_WITH: {
        const withScope: Scope = { parent: scope, names: null, isWith: true };
        const set = this.lazy(e.env, scope, false);
        const body = this.compile(e.body, withScope);
        return (env) => body([env, set(env)]);
      }
      case N_IF: {
        const cond = this.compile(e.cond, scope);
        const a = this.compile(e.consequent, scope);
        const b = this.compile(e.alternate, scope);
        const pos = this.pos(e.cond.start);
        return (env) => {
          const c = cond(env);
          if (c === true) return a(env);
          if (c === false) return b(env);
          return typeError(c, "a Boolean", pos);
        };
      }
      case N_ASSERT: {
        const cond = this.compile(e.cond, scope);
        const body = this.compile(e.body, scope);
        const pos = this.pos(e.start);
        const text = printParse(e.cond);
        return (env) => {
          const c = cond(env);
          if (c === true) return body(env);
          if (c === false) return throwCatchable(`assertion '${text}' failed`, pos);
          return typeError(c, "a Boolean", pos);
        };
      }
      case N_NOT: {
        const x = this.compile(e.expr, scope);
        const pos = this.pos(e.start);
        return (env) => !forceBool(x(env), pos);
      }
      case N_NEG: {
        const x = this.compile(e.expr, scope);
        const pos = this.pos(e.start);
        if (this.shadowed("__sub", scope)) {
          const f = this.compileVar("__sub", e.start, scope, true) as Code;
          return (env) => callValue(callValue(f(env), 0, pos), x(env), pos);
        }
        return (env) => sub(0, x(env), pos);
      }
      case N_BINARY:
        return this.compileBinary(e, scope);
      case N_STRING_INTERP:
        return this.compileInterp(e.parts, scope, e.start);
      case N_PATH_INTERP:
        return this.compilePathInterp(e.parts, scope, e.start);
      case N_SEARCH_PATH: {
        const pos = this.pos(e.start);
        const p = e.path;
        if (this.shadowed("__findFile", scope) || this.shadowed("__nixPath", scope)) {
          const f = this.compileVar("__findFile", e.start, scope, true) as Code;
          const np = this.compileVar("__nixPath", e.start, scope, false) as Lazy;
          return (env) => callValue(callValue(f(env), np(env), pos), p, pos);
        }
        return () => findFile(null, p, pos);
      }
      case N_CUR_POS: {
        const p = this.source.position(e.start);
        const v = NixAttrs.fromEntries([
          ["file", this.source.name],
          ["line", p.line],
          ["column", p.column],
        ]);
        return () => v;
      }
      case N_INHERIT_FROM: {
        const r = this.inheritSlots.get(e);
        if (!r) throw new Error("inherit (e) source outside its set");
        let level = 0;
        let s = scope;
        while (s !== null && s !== r.scope) {
          s = s.parent;
          level++;
        }
        return localForce(level, r.slot);
      }
      case N_ERROR:
        return () => throwEval("syntax error");
    }
    throw new Error(`unknown node kind ${(e as Expr).kind}`);
  }

  /**
   * Code producing a slot for a lazy position. `recInit`: the code runs while the innermost frame
   * is still being filled (let/rec/formal defaults), so references into it must be deferred.
   */
  lazy(
    e: Expr,
    scope: Scope | null,
    recInit: boolean | ((slot: number) => boolean),
    name = "",
  ): Lazy {
    switch (e.kind) {
      case N_INT:
      case N_FLOAT:
      case N_STRING:
      case N_PATH:
      case N_CUR_POS: {
        const c = this.compile(e, scope);
        const v = c([]);
        return () => v;
      }
      case N_VAR: {
        const r = this.resolve(e.name, scope);
        if (
          r.kind === "local" &&
          !(r.level === 0 && (recInit === true || (recInit !== false && recInit(r.slot))))
        )
          return localGet(r.level, r.slot);
        if (r.kind === "global") {
          const v = r.value;
          return () => v;
        }
        break;
      }
      case N_LAMBDA: {
        // A thunk, as in CppNix (unforced, it prints as <CODE>); the name is kept for traces.
        const info = this.compileLambda(e, scope, name);
        const mk: Code = (env) => new Lambda(info, env);
        return (env) => new Thunk(mk, env);
      }
    }
    const code = this.compile(e, scope);
    return (env) => new Thunk(code, env);
  }

  compileVar(name: string, start: number, scope: Scope | null, forced: boolean): Code | Lazy {
    const r = this.resolve(name, scope);
    switch (r.kind) {
      case "local":
        return forced ? localForce(r.level, r.slot) : localGet(r.level, r.slot);
      case "global": {
        const v = r.value;
        if (forced) {
          if (v instanceof Thunk) return () => v.force();
          return () => v;
        }
        return () => v;
      }
      case "with": {
        const levels = r.levels;
        const pos = this.pos(start);
        const lookup = (env: Env): Slot => {
          for (const l of levels) {
            const frame = up(env, l);
            const set = forceAttrs(frame[1], pos);
            const i = set.indexOf(name);
            if (i >= 0) return set.values[i];
          }
          return throwEval(`undefined variable '${name}'`, pos);
        };
        if (forced) return (env) => force(lookup(env));
        return (env) => new Thunk((e) => force(lookup(e)), env);
      }
      case "none": {
        const pos = this.pos(start);
        return () => throwEval(`undefined variable '${name}'`, pos);
      }
    }
  }

  attrNameCode(a: AttrName, scope: Scope | null): string | ((env: Env) => string) {
    if (a.name !== null) return a.name;
    const c = this.compile(a.expr as Expr, scope);
    const pos = this.pos(a.start);
    return (env) => forceStringNoCtx(c(env), pos);
  }

  compileSelect(e: Select, scope: Scope | null): Code {
    const constant = this.constantSelect(e, scope);
    if (constant !== null) return constant;
    const obj = this.compile(e.expr, scope);
    const names = e.path.map((a) => this.attrNameCode(a, scope));
    const def = e.default ? this.compile(e.default, scope) : null;
    const pos = this.pos(e.start);
    const positions = e.path.map((a) => this.pos(a.start));
    if (names.length === 1 && typeof names[0] === "string" && def === null) {
      const name = names[0];
      return (env) => {
        const v = obj(env);
        if (!(v instanceof NixAttrs)) return typeError(v, "a set", pos);
        const i = v.indexOf(name);
        if (i < 0) return missingAttr(name, v, pos);
        const s = v.values[i];
        if (!(s instanceof Thunk)) return s;
        try {
          return s.force();
        } catch (err) {
          addTrace(err, `while evaluating the attribute '${name}'`, v.pos?.[i] ?? pos);
          throw err;
        }
      };
    }
    const n = names.length;
    return (env) => {
      let v = obj(env);
      for (let k = 0; k < n; k++) {
        const nc = names[k];
        const name = typeof nc === "string" ? nc : nc(env);
        if (!(v instanceof NixAttrs)) {
          if (def !== null) return def(env);
          return typeError(v, "a set", positions[k]);
        }
        const i = v.indexOf(name);
        if (i < 0) {
          if (def !== null) return def(env);
          return missingAttr(name, v, positions[k]);
        }
        const s = v.values[i];
        if (s instanceof Thunk) {
          try {
            v = s.force();
          } catch (err) {
            addTrace(err, `while evaluating the attribute '${name}'`, pos);
            throw err;
          }
        } else v = s;
      }
      return v;
    };
  }

  /**
   * `builtins.name` (a global set, unshadowed, with a static name it has) is resolved once, here:
   * the set never changes, so the lookup need not run at every evaluation.
   */
  constantSelect(e: Select, scope: Scope | null): Code | null {
    if (e.expr.kind !== N_VAR || e.path.length !== 1) return null;
    const name = e.path[0].name;
    if (name === null) return null;
    const r = this.resolve((e.expr as VarNode).name, scope);
    if (r.kind !== "global") return null;
    const base = r.value instanceof Thunk ? (r.value.isForced ? r.value.value : null) : r.value;
    if (!(base instanceof NixAttrs)) return null;
    const i = base.indexOf(name);
    if (i < 0) return null;
    const slot = base.values[i];
    if (!(slot instanceof Thunk)) return () => slot;
    const pos = base.pos?.[i] ?? this.pos(e.start);
    return () => {
      try {
        return slot.force();
      } catch (err) {
        addTrace(err, `while evaluating the attribute '${name}'`, pos);
        throw err;
      }
    };
  }

  compileHasAttr(objE: Expr, path: AttrName[], _start: number, scope: Scope | null): Code {
    const obj = this.compile(objE, scope);
    const names = path.map((a) => this.attrNameCode(a, scope));
    const n = names.length;
    return (env) => {
      let v = obj(env);
      for (let k = 0; k < n; k++) {
        if (!(v instanceof NixAttrs)) return false;
        const nc = names[k];
        const name = typeof nc === "string" ? nc : nc(env);
        const i = v.indexOf(name);
        if (i < 0) return false;
        if (k < n - 1) v = force(v.values[i]);
      }
      return true;
    };
  }

  /** Registers `inherit (e)` sources of a set/let whose frame scope is `frameScope`. */
  registerInherits(a: Attrs, frameScope: Scope, firstSlot: number): void {
    for (const d of a.attrs.values()) {
      if (d.kind === 2) {
        const src = (d.value as Select).expr as InheritFrom;
        this.inheritSlots.set(src, { scope: frameScope, slot: firstSlot + src.index });
      }
    }
  }

  compileAttrs(a: Attrs, scope: Scope | null): Code {
    const pos = this.pos(a.start);
    const entries = [...a.attrs.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const keys = entries.map((x) => x[0]);
    const posArr = entries.map((x) => this.pos(x[1].start));
    const n = keys.length;
    const nInherit = a.inheritFrom?.length ?? 0;

    if (!a.rec) {
      // Values see the enclosing scope; `inherit (e)` sources get a frame of their own.
      let valScope = scope;
      let srcs: Lazy[] = [];
      if (nInherit > 0) {
        valScope = { parent: scope, names: null, isWith: false };
        this.registerInherits(a, valScope, 1);
        srcs = (a.inheritFrom as Expr[]).map((x) => this.lazy(x, scope, false));
      }
      const vals = entries.map(([k, d]) =>
        d.kind === DEF_INHERITED && valScope !== scope
          ? this.lazyIn(d.value, scope, 1)
          : this.lazy(d.value, valScope, false, k),
      );
      const dyn = this.compileDynamic(a, valScope, false);
      const build = (env: Env): NixAttrs => {
        const values = new Array(n);
        for (let i = 0; i < n; i++) values[i] = vals[i](env);
        return new NixAttrs(keys, values, posArr);
      };
      let mk: Code = build;
      if (nInherit > 0) {
        const ns = srcs.length;
        mk = (env) => {
          const frame = new Array(ns + 1);
          frame[0] = env;
          for (let i = 0; i < ns; i++) frame[i + 1] = srcs[i](env);
          return build(frame);
        };
      }
      if (dyn === null) return mk;
      if (nInherit > 0) {
        const ns = srcs.length;
        return (env) => {
          const frame = new Array(ns + 1);
          frame[0] = env;
          for (let i = 0; i < ns; i++) frame[i + 1] = srcs[i](env);
          return dyn(build(frame), frame, pos);
        };
      }
      return (env) => dyn(build(env), env, pos);
    }

    // rec { … }: one frame holding every static binding, shared with the resulting set.
    const names = new Map<string, number>();
    keys.forEach((k, i) => {
      names.set(k, i + 1);
    });
    const recScope: Scope = { parent: scope, names, isWith: false };
    this.registerInherits(a, recScope, n + 1);
    // With `__overrides` every value is a thunk reading the (overridable) frame, as in CppNix.
    const hasOverrides = names.has("__overrides");
    const vals = entries.map(([k, d], i) =>
      d.kind === DEF_INHERITED
        ? this.lazyIn(d.value, scope, 1)
        : this.lazy(d.value, recScope, hasOverrides ? true : (s) => s > i && s <= n, k),
    );
    const srcs = (a.inheritFrom ?? []).map((x) => this.lazy(x, recScope, true));
    const ns = srcs.length;
    const dyn = this.compileDynamic(a, recScope, true);
    const overrides = names.get("__overrides");
    return (env) => {
      const frame = new Array(n + ns + 1);
      frame[0] = env;
      for (let i = 0; i < ns; i++) frame[n + 1 + i] = srcs[i](frame);
      for (let i = 0; i < n; i++) frame[i + 1] = vals[i](frame);
      let set = new NixAttrs(keys, frame.slice(1, n + 1), posArr);
      if (overrides !== undefined) {
        const o = forceAttrs(frame[overrides], pos);
        const values = set.values;
        const extra: [string, Slot][] = [];
        for (let j = 0; j < o.keys.length; j++) {
          const slot = names.get(o.keys[j]);
          if (slot !== undefined) {
            frame[slot] = o.values[j];
            values[slot - 1] = o.values[j];
          } else extra.push([o.keys[j], o.values[j]]);
        }
        if (extra.length > 0) set = updateAttrs(set, NixAttrs.fromEntries(extra));
      }
      return dyn === null ? set : dyn(set, frame, pos);
    };
  }

  /** Lazy code for `e` compiled in `scope` but run in a frame `depth` levels below it. */
  lazyIn(e: Expr, scope: Scope | null, depth: number): Lazy {
    const inner = this.lazy(e, scope, false);
    return (env) => inner(up(env, depth));
  }

  compileDynamic(
    a: Attrs,
    scope: Scope | null,
    recInit: boolean,
  ): ((set: NixAttrs, env: Env, pos: Pos) => NixAttrs) | null {
    if (a.dynamic.length === 0) return null;
    const dyns = a.dynamic.map((d) => ({
      name: this.compile(d.name, scope),
      value: this.lazy(d.value, scope, recInit),
      pos: this.pos(d.start),
    }));
    return (set, env) => {
      const added: [string, Slot][] = [];
      const seen = new Map<string, Pos>();
      for (const d of dyns) {
        const nv = d.name(env);
        if (nv === null) continue;
        const name = forceStringNoCtx(nv, d.pos);
        if (set.has(name) || seen.has(name)) {
          const prev = seen.get(name) ?? set.pos?.[set.indexOf(name)] ?? d.pos;
          throwEval(
            `dynamic attribute '${name}' already defined at ${prev.source.describe(prev.offset)}`,
            d.pos,
          );
        }
        seen.set(name, d.pos);
        added.push([name, d.value(env)]);
      }
      if (added.length === 0) return set;
      const extra = NixAttrs.fromEntries(added);
      const withPos = new NixAttrs(
        extra.keys,
        extra.values,
        extra.keys.map((k) => seen.get(k)),
      );
      return updateAttrs(set, withPos);
    };
  }

  compileLet(a: Attrs, bodyE: Expr, scope: Scope | null): Code {
    const entries = [...a.attrs.entries()];
    const n = entries.length;
    const names = new Map<string, number>();
    entries.forEach(([k], i) => {
      names.set(k, i + 1);
    });
    const letScope: Scope = { parent: scope, names, isWith: false };
    this.registerInherits(a, letScope, n + 1);
    const vals = entries.map(([k, d]: [string, AttrDef], i) =>
      d.kind === DEF_INHERITED
        ? this.lazyIn(d.value, scope, 1)
        : this.lazy(d.value, letScope, (s) => s > i && s <= n, k),
    );
    const srcs = (a.inheritFrom ?? []).map((x) => this.lazy(x, letScope, true));
    const ns = srcs.length;
    const body = this.compile(bodyE, letScope);
    return (env) => {
      const frame = new Array(n + ns + 1);
      frame[0] = env;
      for (let i = 0; i < ns; i++) frame[n + 1 + i] = srcs[i](frame);
      for (let i = 0; i < n; i++) frame[i + 1] = vals[i](frame);
      return body(frame);
    };
  }

  compileLambda(e: LambdaNode, scope: Scope | null, name: string): LambdaInfo {
    const names = new Map<string, number>();
    const lamScope: Scope = { parent: scope, names, isWith: false };
    const pos = this.pos(e.start);
    const info: LambdaInfo = {
      name,
      source: this.source,
      start: e.start,
      arg: e.arg,
      formals: null,
      call: () => null,
    };
    if (e.formals === null) {
      names.set(e.arg as string, 1);
      const body = this.compile(e.body, lamScope);
      info.call = (env, arg) => {
        if (++callDepth > maxCallDepth) callDepthExceeded();
        const r = body([env, arg]);
        callDepth--;
        return r;
      };
      return info;
    }
    const formals = e.formals.entries;
    const nf = formals.length;
    formals.forEach((f, i) => {
      names.set(f.name, i + 1);
    });
    const argSlot = nf + 1;
    if (e.arg !== null) names.set(e.arg, argSlot);
    const fnames = formals.map((f) => f.name);
    const defaults = formals.map((f) => (f.default ? this.lazy(f.default, lamScope, true) : null));
    const ellipsis = e.formals.ellipsis;
    const sorted = [...formals].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    info.formals = {
      names: sorted.map((f) => f.name),
      hasDefault: sorted.map((f) => f.default !== null),
      ellipsis,
      pos: sorted.map((f) => this.pos(f.start)),
    };
    const body = this.compile(e.body, lamScope);
    const hasArg = e.arg !== null;
    const fnDesc = () => (info.name ? `function '${info.name}'` : "anonymous function");
    info.call = (env, arg) => {
      if (++callDepth > maxCallDepth) callDepthExceeded();
      const set = forceAttrs(arg, pos);
      const frame = new Array(hasArg ? nf + 2 : nf + 1);
      frame[0] = env;
      let used = 0;
      for (let k = 0; k < nf; k++) {
        const i = set.indexOf(fnames[k]);
        if (i >= 0) {
          frame[k + 1] = set.values[i];
          used++;
        }
      }
      for (let k = 0; k < nf; k++) {
        if (frame[k + 1] !== undefined) continue;
        const d = defaults[k];
        if (d === null)
          throwEval(`${fnDesc()} called without required argument '${fnames[k]}'`, pos);
        frame[k + 1] = d(frame);
      }
      if (!ellipsis && used !== set.size) {
        for (const k of set.keys)
          if (!names.has(k) || k === e.arg)
            throwEval(`${fnDesc()} called with unexpected argument '${k}'`, pos);
      }
      if (hasArg) frame[argSlot] = arg;
      const r = body(frame);
      callDepth--;
      return r;
    };
    return info;
  }

  compileCall(e: Call, scope: Scope | null): Code {
    const fn = this.compile(e.fn, scope);
    const args = e.args.map((a) => this.lazy(a, scope, false));
    const pos = this.pos(e.start);
    const n = args.length;
    const a0 = args[0];
    if (n === 1) {
      return (env) => {
        const f = fn(env);
        const arg = a0(env);
        try {
          if (f instanceof Lambda) return f.info.call(f.env, arg);
          return callValue(f, arg, pos);
        } catch (err) {
          if (err instanceof NixError) traceCall(err, f, pos);
          throw err;
        }
      };
    }
    // A builtin given exactly its arity is called at once (no partial applications).
    if (n === 2) {
      const a1 = args[1];
      const generic = this.callChain(args, pos);
      return (env) => {
        const f = fn(env);
        if (f instanceof PrimOp && f.arity === 2) return callPrimOp2(f, a0(env), a1(env), pos);
        return generic(env, f);
      };
    }
    if (n === 3) {
      const a1 = args[1];
      const a2 = args[2];
      const generic = this.callChain(args, pos);
      return (env) => {
        const f = fn(env);
        if (f instanceof PrimOp && f.arity === 3)
          return callPrimOp3(f, a0(env), a1(env), a2(env), pos);
        return generic(env, f);
      };
    }
    const generic = this.callChain(args, pos);
    return (env) => generic(env, fn(env));
  }

  /** `f a1 … an` one argument at a time, `f` already evaluated. */
  callChain(args: Lazy[], pos: Pos): (env: Env, f: Value) => Value {
    const n = args.length;
    return (env, f0) => {
      let f = f0;
      for (let i = 0; i < n; i++) {
        const arg = args[i](env);
        try {
          f = f instanceof Lambda ? f.info.call(f.env, arg) : callValue(f, arg, pos);
        } catch (err) {
          if (err instanceof NixError) traceCall(err, f, pos);
          throw err;
        }
      }
      return f;
    };
  }

  compileBinary(e: Binary, scope: Scope | null): Code {
    const l = this.compile(e.left, scope);
    const r = this.compile(e.right, scope);
    const pos = this.pos(e.opStart);
    const op = e.op;
    const viaBuiltin = (fname: string, swap: boolean, negate: boolean): Code | null => {
      if (!this.shadowed(fname, scope)) return null;
      const f = this.compileVar(fname, e.opStart, scope, true) as Code;
      const ll = this.lazy(e.left, scope, false);
      const rl = this.lazy(e.right, scope, false);
      return (env) => {
        const a = swap ? rl(env) : ll(env);
        const b = swap ? ll(env) : rl(env);
        const v = callValue(callValue(f(env), a, pos), b, pos);
        return negate ? !forceBool(v, pos) : v;
      };
    };
    switch (op) {
      case OP_EQ:
        return (env) => eqValues(l(env), r(env), false, pos);
      case OP_NEQ:
        return (env) => !eqValues(l(env), r(env), false, pos);
      case OP_AND:
        return (env) => forceBool(l(env), pos) && forceBool(r(env), pos);
      case OP_OR:
        return (env) => forceBool(l(env), pos) || forceBool(r(env), pos);
      case OP_IMPL:
        return (env) => !forceBool(l(env), pos) || forceBool(r(env), pos);
      case OP_UPDATE:
        return (env) => updateAttrs(forceAttrs(l(env), pos), forceAttrs(r(env), pos));
      case OP_CONCAT:
        return (env) => {
          const a = forceList(l(env), pos);
          const b = forceList(r(env), pos);
          if (b.length === 0) return a;
          if (a.length === 0) return b;
          return a.concat(b);
        };
      case OP_ADD:
        return (env) => {
          const a = l(env);
          const b = r(env);
          if (typeof a === "number" && typeof b === "number") {
            const s = a + b;
            if (s <= Number.MAX_SAFE_INTEGER && s >= Number.MIN_SAFE_INTEGER) return s;
          }
          return plus(a, b, pos);
        };
      case OP_SUB:
        return (
          viaBuiltin("__sub", false, false) ??
          ((env) => {
            const a = l(env);
            const b = r(env);
            if (typeof a === "number" && typeof b === "number") {
              const s = a - b;
              if (s <= Number.MAX_SAFE_INTEGER && s >= Number.MIN_SAFE_INTEGER) return s;
            }
            return sub(a, b, pos);
          })
        );
      case OP_MUL:
        return viaBuiltin("__mul", false, false) ?? ((env) => mul(l(env), r(env), pos));
      case OP_DIV:
        return viaBuiltin("__div", false, false) ?? ((env) => div(l(env), r(env), pos));
      case OP_LT:
        return (
          viaBuiltin("__lessThan", false, false) ??
          ((env) => {
            const a = l(env);
            const b = r(env);
            if (typeof a === "number" && typeof b === "number") return a < b;
            return lessThan(a, b, pos);
          })
        );
      case OP_GT:
        return (
          viaBuiltin("__lessThan", true, false) ??
          ((env) => {
            const a = l(env);
            const b = r(env);
            if (typeof a === "number" && typeof b === "number") return a > b;
            return lessThan(b, a, pos);
          })
        );
      case OP_LE:
        return (
          viaBuiltin("__lessThan", true, true) ??
          ((env) => {
            const a = l(env);
            const b = r(env);
            if (typeof a === "number" && typeof b === "number") return a <= b;
            return !lessThan(b, a, pos);
          })
        );
      case OP_GE:
        return (
          viaBuiltin("__lessThan", false, true) ??
          ((env) => {
            const a = l(env);
            const b = r(env);
            if (typeof a === "number" && typeof b === "number") return a >= b;
            return !lessThan(a, b, pos);
          })
        );
    }
    throw new Error(`unknown operator ${op}`);
  }

  compileInterp(parts: Expr[], scope: Scope | null, start: number): Code {
    const codes: (string | Code)[] = parts.map((p) =>
      p.kind === N_STRING ? p.value : this.compile(p, scope),
    );
    const posList = parts.map((p) => this.pos(p.start));
    void start;
    const n = codes.length;
    return (env) => {
      let s = "";
      let ctx: Set<string> | null = null;
      for (let i = 0; i < n; i++) {
        const c = codes[i];
        if (typeof c === "string") {
          s += c;
          continue;
        }
        const v = c(env);
        if (typeof v === "string") s += v;
        else {
          if (ctx === null) ctx = new Set();
          try {
            s += coerceToString(v, ctx, false, true, posList[i]);
          } catch (err) {
            addTrace(err, "while evaluating a path segment", posList[i]);
            throw err;
          }
        }
      }
      return ctx !== null && ctx.size > 0 ? new NixString(s, ctx) : s;
    };
  }

  compilePathInterp(parts: Expr[], scope: Scope | null, start: number): Code {
    const first = parts[0];
    const head = first.kind === N_PATH ? first.value : "";
    const rest = this.compileInterp(parts.slice(1), scope, start);
    const pos = this.pos(start);
    return (env) => {
      const tail = rest(env);
      if (tail instanceof NixString)
        throwEval("a string that refers to a store path cannot be appended to a path", pos);
      return new NixPath(canonPath(head + (tail as string)));
    };
  }
}

function traceCall(err: NixError, f: Value, pos: Pos): void {
  if (f instanceof Lambda) {
    err.addTrace(
      f.info.name ? `while calling '${f.info.name}'` : "while calling anonymous lambda",
      {
        source: f.info.source,
        offset: f.info.start,
      },
    );
    err.addTrace("from call site", pos);
  }
}

function missingAttr(name: string, set: NixAttrs, pos: Pos): never {
  void set;
  return throwEval(`attribute '${name}' missing`, pos);
}

/** `a + b` beyond the int fast path (CppNix `ExprConcatStrings` with two operands). */
export function plus(a: Value, b: Value, pos: Pos | null): Value {
  if (typeof a === "number" || typeof a === "bigint" || a instanceof NixFloat) {
    if (typeof b === "number" || typeof b === "bigint" || b instanceof NixFloat)
      return add(a, b, pos);
    return throwEval(
      `cannot add ${showType(b)} to ${a instanceof NixFloat ? "a float" : "an integer"}`,
      pos,
    );
  }
  if (a instanceof NixPath) {
    const ctx = new Set<string>();
    const s = coerceToString(b, ctx, false, false, pos);
    if (ctx.size > 0)
      throwEval("a string that refers to a store path cannot be appended to a path", pos);
    return new NixPath(canonPath(a.path + s));
  }
  if (typeof a === "string" && typeof b === "string") return a + b;
  const ctx = new Set<string>();
  const s = coerceToString(a, ctx, false, true, pos) + coerceToString(b, ctx, false, true, pos);
  return ctx.size > 0 ? new NixString(s, ctx) : s;
}

export { state, valueThunk };
