/**
 * Evaluation state and the helpers every part of the evaluator uses: forcing a slot to a given
 * type (with CppNix's error messages), calling functions (lambdas, builtins, `__functor` sets),
 * and the per-evaluation state (IO, import cache, search path).
 *
 * Evaluation is synchronous and single-threaded, so the current state is a module variable set by
 * `Evaluator` for the duration of an evaluation.
 */
import { NixError, throwEval } from "./eval-error.ts";
import type { EvalIO } from "./io.ts";
import { ERROR_PRINT, showValue } from "./print-value.ts";
import {
  type Env,
  force,
  Lambda,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  type Pos,
  PrimOp,
  PrimOpApp,
  type Slot,
  setCacheableErrorPredicate,
  setInfiniteRecursionHandler,
  showType,
  Thunk,
  type Value,
} from "./values.ts";

export interface SearchPathEntry {
  prefix: string;
  path: string;
}

export interface EvalState {
  io: EvalIO;
  storeDir: string;
  searchPath: SearchPathEntry[];
  /** Evaluated files by resolved path. */
  importCache: Map<string, Value>;
  /** Store paths of paths copied to the store, by source path. */
  storeCache: Map<string, string>;
  /** Compiles and evaluates a file (set by the evaluator). */
  evalFile: (path: string, scope: NixAttrs | null) => Value;
  /** Evaluates Nix source in the base environment (for Nix-coded builtins). */
  evalText: (source: import("./source.ts").Source) => Value;
  /** Prints a value for traces/errors (CppNix's `print.cc` style). */
  currentSystem: string;
  pure: boolean;
  /** Names printed by `trace` et al. go through io.stderr. */
  traceVerbose: boolean;
  /** `builtins.warn` fails after printing its warning (CppNix `abort-on-warn`). */
  abortOnWarn: boolean;
  /** Enabled experimental features (`--extra-experimental-features`), e.g. parse-toml-timestamps. */
  features: ReadonlySet<string>;
}

export let state: EvalState = undefined as unknown as EvalState;
export function setState(s: EvalState): void {
  state = s;
}

setCacheableErrorPredicate((e) => e instanceof NixError && !e.transient);
setInfiniteRecursionHandler(() => {
  const e = new NixError("infinite recursion encountered");
  e.posFromTrace = true;
  throw e;
});

/** CppNix's type error: `expected a set but found an integer: 1`. */
export function typeError(v: Value, expected: string, pos: Pos | null = null): never {
  throwEval(`expected ${expected} but found ${showType(v)}: ${showValue(v, ERROR_PRINT)}`, pos);
}

export function forceAttrs(s: Slot, pos: Pos | null = null): NixAttrs {
  const v = force(s);
  if (v instanceof NixAttrs) return v;
  return typeError(v, "a set", pos);
}

export function forceList(s: Slot, pos: Pos | null = null): Slot[] {
  const v = force(s);
  if (Array.isArray(v)) return v;
  return typeError(v, "a list", pos);
}

export function forceBool(s: Slot, pos: Pos | null = null): boolean {
  const v = force(s);
  if (v === true || v === false) return v;
  return typeError(v, "a Boolean", pos);
}

export function forceInt(s: Slot, pos: Pos | null = null): number | bigint {
  const v = force(s);
  if (typeof v === "number" || typeof v === "bigint") return v;
  return typeError(v, "an integer", pos);
}

/** An int that must fit a JS number usefully (indices, counts); bigints are clamped. */
export function forceSmallInt(s: Slot, pos: Pos | null = null): number {
  const v = forceInt(s, pos);
  return typeof v === "number" ? v : v < 0n ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
}

/** A float or int, as a JS number. */
export function forceNumber(s: Slot, pos: Pos | null = null): number {
  const v = force(s);
  if (typeof v === "number") return v;
  if (v instanceof NixFloat) return v.value;
  if (typeof v === "bigint") return Number(v);
  return typeError(v, "a float", pos);
}

/** A string's bytes (context dropped). */
export function forceString(s: Slot, pos: Pos | null = null): string {
  const v = force(s);
  if (typeof v === "string") return v;
  if (v instanceof NixString) return v.s;
  return typeError(v, "a string", pos);
}

/** A string value (with its context). */
export function forceStringValue(s: Slot, pos: Pos | null = null): string | NixString {
  const v = force(s);
  if (typeof v === "string" || v instanceof NixString) return v;
  return typeError(v, "a string", pos);
}

/** A string without context (CppNix `forceStringNoCtx`). */
export function forceStringNoCtx(s: Slot, pos: Pos | null = null): string {
  const v = force(s);
  if (typeof v === "string") return v;
  if (v instanceof NixString) {
    const first = [...v.ctx][0];
    throwEval(
      `the string '${v.s}' is not allowed to refer to a store path (such as '${first.replace(/^[=!][^!]*!?/, "")}')`,
      pos,
    );
  }
  return typeError(v, "a string", pos);
}

export function forceFunction(s: Slot, pos: Pos | null = null): Value {
  const v = force(s);
  if (v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp) return v;
  if (v instanceof NixAttrs && v.has("__functor")) return v;
  return typeError(v, "a function", pos);
}

export function forcePath(s: Slot, pos: Pos | null = null): NixPath {
  const v = force(s);
  if (v instanceof NixPath) return v;
  return typeError(v, "a path", pos);
}

/** Calls a function value with one (unforced) argument. */
export function callValue(f: Value, arg: Slot, pos: Pos | null = null): Value {
  if (f instanceof Lambda) {
    const info = f.info;
    return info.call(f.env, arg);
  }
  if (f instanceof PrimOp) {
    if (f.arity === 1) return callPrimOp1(f, arg, pos);
    return new PrimOpApp(f, [arg]);
  }
  if (f instanceof PrimOpApp) {
    const op = f.op;
    const have = f.args.length;
    if (have === 1 && op.arity === 2) return callPrimOp2(op, f.args[0], arg, pos);
    const args = f.args.concat([arg]);
    if (args.length === op.arity) return callPrimOp(op, args, pos);
    return new PrimOpApp(op, args);
  }
  if (f instanceof NixAttrs) {
    const functor = f.get("__functor");
    if (functor !== undefined) {
      // `__functor self arg`
      const g = callValue(force(functor), f, pos);
      return callValue(g, arg, pos);
    }
  }
  return throwEval(
    `attempt to call something which is not a function but ${showType(f as Value)}: ${showValue(f as Value, ERROR_PRINT)}`,
    pos,
  );
}

/** Calls a builtin of arity 1 (no argument array). */
export function callPrimOp1(op: PrimOp, a: Slot, pos: Pos | null): Value {
  try {
    return op.fn(a);
  } catch (e) {
    if (e instanceof NixError) e.addTrace(`while calling the '${op.name}' builtin`, pos);
    throw e;
  }
}

/** Calls a builtin of arity 2 with both arguments. */
export function callPrimOp2(op: PrimOp, a: Slot, b: Slot, pos: Pos | null): Value {
  try {
    return op.fn(a, b);
  } catch (e) {
    if (e instanceof NixError) e.addTrace(`while calling the '${op.name}' builtin`, pos);
    throw e;
  }
}

/** Calls a builtin of arity 3 with all arguments. */
export function callPrimOp3(op: PrimOp, a: Slot, b: Slot, c: Slot, pos: Pos | null): Value {
  try {
    return op.fn(a, b, c);
  } catch (e) {
    if (e instanceof NixError) e.addTrace(`while calling the '${op.name}' builtin`, pos);
    throw e;
  }
}

function callPrimOp(op: PrimOp, args: Slot[], pos: Pos | null): Value {
  try {
    switch (args.length) {
      case 1:
        return op.fn(args[0]);
      case 2:
        return op.fn(args[0], args[1]);
      case 3:
        return op.fn(args[0], args[1], args[2]);
      default:
        return op.fn(...args);
    }
  } catch (e) {
    if (e instanceof NixError) {
      e.addTrace(`while calling the '${op.name}' builtin`, pos);
    }
    throw e;
  }
}

/** Calls `f a b`. */
export function call2(f: Value, a: Slot, b: Slot, pos: Pos | null = null): Value {
  if (f instanceof Lambda) {
    const g = f.info.call(f.env, a);
    return callValue(g, b, pos);
  }
  if (f instanceof PrimOp && f.arity === 2) return callPrimOp2(f, a, b, pos);
  return callValue(callValue(f, a, pos), b, pos);
}

/** A thunk for `f arg` (lazy application, e.g. `map`); `f` is forced only when it is needed. */
export function lazyCall(f: Slot, arg: Slot): Thunk {
  return new Thunk(applyCode, [f, arg] as unknown as Env);
}
const applyCode = (env: Env): Value => callValue(force(env[0]), env[1]);

/** A thunk for `f a b`. */
export function lazyCall2(f: Slot, a: Slot, b: Slot): Thunk {
  return new Thunk(apply2Code, [f, a, b] as unknown as Env);
}
const apply2Code = (env: Env): Value => call2(force(env[0]), env[1], env[2]);

/** Calls `f` and forces the result (for builtins that need a value from a callback). */
export function callForce(f: Value, arg: Slot, pos: Pos | null = null): Value {
  return callValue(f, arg, pos);
}

export function isDerivation(v: Value): boolean {
  if (!(v instanceof NixAttrs)) return false;
  const t = v.get("type");
  if (t === undefined) return false;
  const tv = force(t);
  return tv === "derivation" || (tv instanceof NixString && tv.s === "derivation");
}
