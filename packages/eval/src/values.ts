/**
 * Runtime values of the evaluator. The representation is chosen for speed in V8:
 *
 * | Nix type | JS representation |
 * |---|---|
 * | int      | `number` (always a safe integer) or `bigint` (only outside the safe range, always
 *              within signed 64 bits); `typeof v === "number"` therefore means int |
 * | float    | `NixFloat` (boxed, so numbers never need a tag) |
 * | bool     | `true` / `false` |
 * | null     | `null` |
 * | string   | `string` (a byte string: code units 0..255, no context) or `NixString` (byte string
 *              plus a non-empty context set) |
 * | path     | `NixPath` (absolute, canonical) |
 * | set      | `NixAttrs` (names sorted bytewise, values parallel) |
 * | list     | JS `Array` of slots |
 * | lambda   | `Lambda` (compiled Nix function), `PrimOp` (builtin), `PrimOpApp` (partial builtin) |
 *
 * A *slot* (list element, attribute value, variable, argument) holds either a value in weak head
 * normal form or a `Thunk`; `force(slot)` gives the value. Thunks blackhole while forced and cache
 * failures (CppNix's current behaviour): re-forcing a failed thunk rethrows the same error.
 *
 * Builtins are registered with `registerBuiltin` (see builtins/registry.ts); they receive their
 * arguments unforced and force what they need with the helpers of `force.ts`.
 */
import type { Source } from "./source.ts";

/** A forced value. */
export type Value =
  | number
  | bigint
  | boolean
  | null
  | string
  | NixFloat
  | NixString
  | NixPath
  | NixAttrs
  | Value[]
  | Lambda
  | PrimOp
  | PrimOpApp
  // biome-ignore lint/suspicious/noExplicitAny: list elements are slots (values or thunks)
  | any[];

/** What a list element, attribute value or variable holds. */
export type Slot = Value | Thunk;

/** Runtime environments: `env[0]` is the parent, `env[1..]` the slots of one scope. */
// biome-ignore lint/suspicious/noExplicitAny: heterogeneous frame
export type Env = any[];

/** Compiled code: evaluates to weak head normal form in an environment. */
export type Code = (env: Env) => Value;

export class NixFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** A string's context as readers see it: a `Set`, or a `SingleContext`. Never mutated. */
export interface StringContext extends Iterable<string> {
  readonly size: number;
  has(element: string): boolean;
}

/**
 * A context of one element: what `derivationStrict` gives each `drvPath` and output path.
 * Tens of thousands of these stay alive in a package set; a `Set` costs several times more.
 */
export class SingleContext implements StringContext {
  readonly element: string;
  constructor(element: string) {
    this.element = element;
  }
  get size(): number {
    return 1;
  }
  has(element: string): boolean {
    return element === this.element;
  }
  *[Symbol.iterator](): Iterator<string> {
    yield this.element;
  }
}

/** Adds a string's context to `into` (a one-element context without iterating it). */
export function addContext(into: Set<string>, from: StringContext): void {
  if (from instanceof SingleContext) into.add(from.element);
  else for (const c of from) into.add(c);
}

/** A string with context; `ctx` is never empty (a plain JS string is used then). */
export class NixString {
  readonly s: string;
  /** Context elements: `/nix/store/…` (opaque), `!out!/nix/store/…drv`, `=/nix/store/…drv`. */
  readonly ctx: StringContext;
  constructor(s: string, ctx: StringContext) {
    this.s = s;
    this.ctx = ctx;
  }
}

export class NixPath {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
}

/** A source position (for `unsafeGetAttrPos`, `__curPos`, errors). */
export interface Pos {
  readonly source: Source;
  readonly offset: number;
}

/**
 * An attribute set: `keys` sorted bytewise (JS `<` on byte strings), `values` parallel slots,
 * `pos` parallel definition positions (or null). The arrays may be shared between sets and must
 * never be mutated once the set is visible to Nix code.
 */
export class NixAttrs {
  readonly keys: readonly string[];
  readonly values: Slot[];
  readonly pos: readonly (Pos | undefined)[] | null;
  constructor(keys: readonly string[], values: Slot[], pos: readonly (Pos | undefined)[] | null) {
    this.keys = keys;
    this.values = values;
    this.pos = pos;
  }

  get size(): number {
    return this.keys.length;
  }

  /** Index of `name`, or -1. */
  indexOf(name: string): number {
    const keys = this.keys;
    const n = keys.length;
    if (n <= 8) {
      for (let i = 0; i < n; i++) if (keys[i] === name) return i;
      return -1;
    }
    let lo = 0;
    let hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = keys[mid];
      if (k === name) return mid;
      if (k < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The slot of `name`, or undefined. */
  get(name: string): Slot | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.values[i];
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  static readonly EMPTY: NixAttrs = new NixAttrs([], [], null);

  /**
   * A set from unsorted (name, slot) pairs; later duplicates win unless `firstWins`.
   * `entryPos`, parallel to `entries`, gives the attributes positions (listToAttrs).
   */
  static fromEntries(
    entries: [string, Slot][],
    firstWins = false,
    entryPos: readonly (Pos | undefined)[] | null = null,
  ): NixAttrs {
    if (entries.length === 0) return NixAttrs.EMPTY;
    if (entries.length <= 16) return NixAttrs.fromFewEntries(entries, firstWins, entryPos);
    const order = entries.map((_, i) => i);
    order.sort((a, b) => {
      const x = entries[a][0];
      const y = entries[b][0];
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    const keys: string[] = new Array(order.length);
    const values: Slot[] = new Array(order.length);
    const pos: (Pos | undefined)[] | null = entryPos === null ? null : new Array(order.length);
    let n = 0;
    for (const i of order) {
      const k = entries[i][0];
      if (n > 0 && keys[n - 1] === k) {
        if (!firstWins) {
          values[n - 1] = entries[i][1];
          if (pos !== null) pos[n - 1] = entryPos?.[i];
        }
        continue;
      }
      keys[n] = k;
      values[n] = entries[i][1];
      if (pos !== null) pos[n] = entryPos?.[i];
      n++;
    }
    keys.length = n;
    values.length = n;
    if (pos !== null) pos.length = n;
    return new NixAttrs(keys, values, pos);
  }

  /**
   * `fromEntries` for a few entries (derivation results, small literals built by builtins):
   * a stable insertion sort straight into the key and value arrays, without the tuples and
   * the work area of `Array#sort`.
   */
  private static fromFewEntries(
    entries: [string, Slot][],
    firstWins: boolean,
    entryPos: readonly (Pos | undefined)[] | null,
  ): NixAttrs {
    // Arrays of the exact size (growing by push would leave spare capacity in every set).
    const keys: string[] = new Array(entries.length);
    const values: Slot[] = new Array(entries.length);
    const pos: (Pos | undefined)[] | null = entryPos === null ? null : new Array(entries.length);
    let n = 0;
    for (let e = 0; e < entries.length; e++) {
      const k = entries[e][0];
      let i = n - 1;
      while (i >= 0 && keys[i] > k) i--;
      if (i >= 0 && keys[i] === k) {
        if (!firstWins) {
          values[i] = entries[e][1];
          if (pos !== null) pos[i] = entryPos?.[e];
        }
        continue;
      }
      for (let j = n; j > i + 1; j--) {
        keys[j] = keys[j - 1];
        values[j] = values[j - 1];
        if (pos !== null) pos[j] = pos[j - 1];
      }
      keys[i + 1] = k;
      values[i + 1] = entries[e][1];
      if (pos !== null) pos[i + 1] = entryPos?.[e];
      n++;
    }
    if (n < entries.length) {
      keys.length = n;
      values.length = n;
      if (pos !== null) pos.length = n;
    }
    return new NixAttrs(keys, values, pos);
  }

  /** A set from a JS map whose values are slots. */
  static fromMap(m: Map<string, Slot>): NixAttrs {
    const keys = [...m.keys()].sort(cmpBytes);
    return new NixAttrs(
      keys,
      keys.map((k) => m.get(k) as Slot),
      null,
    );
  }
}

export function cmpBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A compiled Nix function with its captured environment. */
export class Lambda {
  readonly info: LambdaInfo;
  readonly env: Env;
  constructor(info: LambdaInfo, env: Env) {
    this.info = info;
    this.env = env;
  }
}

/** The compile-time part of a lambda, shared by all closures of one `x: …` expression. */
export interface LambdaInfo {
  /** Name for traces (the attribute or let binding it was defined as), or "". */
  name: string;
  source: Source;
  start: number;
  /** Positional parameter name, or null. */
  arg: string | null;
  /** Formal names in sorted order and whether each has a default; null for `x: …`. */
  formals: { names: string[]; hasDefault: boolean[]; ellipsis: boolean; pos: Pos[] } | null;
  /** Calls the function with its argument (unforced slot). */
  call: (env: Env, arg: Slot) => Value;
}

/**
 * A builtin function. `fn` receives `arity` unforced slots. Constants (arity 0) are not PrimOps:
 * they are plain values in the builtins set.
 */
export class PrimOp {
  readonly name: string;
  readonly arity: number;
  // biome-ignore lint/suspicious/noExplicitAny: arguments are slots
  readonly fn: (...args: any[]) => Value;
  // biome-ignore lint/suspicious/noExplicitAny: arguments are slots
  constructor(name: string, arity: number, fn: (...args: any[]) => Value) {
    this.name = name;
    this.arity = arity;
    this.fn = fn;
  }
}

/** A builtin applied to fewer arguments than its arity. */
export class PrimOpApp {
  readonly op: PrimOp;
  readonly args: Slot[];
  constructor(op: PrimOp, args: Slot[]) {
    this.op = op;
    this.args = args;
  }
}

// Thunk states, by `code`: the code to run (`v` holds its environment); BLACKHOLE while it
// runs (`v` still holds the environment); null once evaluated (`v` holds the value); FAILED after
// a cacheable error (`v` holds the error). Two fields keep a thunk at 40 bytes.
const BLACKHOLE: Code = () => {
  throw new Error("blackhole");
};
const FAILED: Code = () => {
  throw new Error("failed thunk");
};

/** Raised by a thunk that is already being forced; turned into an NixError by the caller. */
export let onInfiniteRecursion: (t: Thunk) => never = () => {
  throw new Error("infinite recursion encountered");
};
export function setInfiniteRecursionHandler(f: (t: Thunk) => never): void {
  onInfiniteRecursion = f;
}

/** Errors that a failed thunk remembers (others, such as stack overflows, reset the thunk). */
export let isCacheableError: (e: unknown) => boolean = () => false;
export function setCacheableErrorPredicate(f: (e: unknown) => boolean): void {
  isCacheableError = f;
}

export class Thunk {
  code: Code | null;
  // biome-ignore lint/suspicious/noExplicitAny: the environment, the value or the cached error
  v: any;
  constructor(code: Code, env: Env) {
    this.code = code;
    this.v = env;
  }

  force(): Value {
    const code = this.code;
    if (code === null) return this.v;
    if (code === BLACKHOLE) return onInfiniteRecursion(this);
    if (code === FAILED) throw this.v;
    this.code = BLACKHOLE;
    try {
      const v = code(this.v as Env);
      this.code = null;
      this.v = v;
      return v;
    } catch (e) {
      if (isCacheableError(e)) {
        this.code = FAILED;
        this.v = e;
      } else this.code = code;
      throw e;
    }
  }

  /** The value once evaluated, the cached error once failed, otherwise undefined. */
  // biome-ignore lint/suspicious/noExplicitAny: see `v`
  get value(): any {
    return this.code === null || this.code === FAILED ? this.v : undefined;
  }
  /** True when evaluation failed with a cacheable error (`value` is the error). */
  get failed(): boolean {
    return this.code === FAILED;
  }
  get isForced(): boolean {
    return this.code === null;
  }
  get isBlackhole(): boolean {
    return this.code === BLACKHOLE;
  }
}

/** The value of a slot, forcing a thunk. */
export function force(v: Slot): Value {
  return v instanceof Thunk ? v.force() : v;
}

/** A thunk that is already evaluated (for building values that must be cells). */
export function valueThunk(v: Value): Thunk {
  const t = new Thunk(BLACKHOLE, null as unknown as Env);
  t.code = null;
  t.v = v;
  return t;
}

export function isInt(v: Value): v is number | bigint {
  return typeof v === "number" || typeof v === "bigint";
}

export function isString(v: Value): v is string | NixString {
  return typeof v === "string" || v instanceof NixString;
}

export function isFunction(v: Value): boolean {
  return v instanceof Lambda || v instanceof PrimOp || v instanceof PrimOpApp;
}

/** `builtins.typeOf` names. */
export function typeOf(v: Value): string {
  switch (typeof v) {
    case "number":
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "string":
      return "string";
  }
  if (v === null) return "null";
  if (v instanceof NixAttrs) return "set";
  if (Array.isArray(v)) return "list";
  if (v instanceof NixString) return "string";
  if (v instanceof NixFloat) return "float";
  if (v instanceof NixPath) return "path";
  return "lambda";
}

/** How CppNix names a type in error messages ("an integer", "a set", …). */
export function showType(v: Value): string {
  switch (typeof v) {
    case "number":
    case "bigint":
      return "an integer";
    case "boolean":
      return "a Boolean";
    case "string":
      return "a string";
  }
  if (v === null) return "null";
  if (v instanceof NixAttrs) return "a set";
  if (Array.isArray(v)) return "a list";
  if (v instanceof NixString) return "a string";
  if (v instanceof NixFloat) return "a float";
  if (v instanceof NixPath) return "a path";
  if (v instanceof PrimOp) return "a built-in function";
  if (v instanceof PrimOpApp) return "a partially applied built-in function";
  return "a function";
}

/** String contents without context. */
export function strOf(v: string | NixString): string {
  return typeof v === "string" ? v : v.s;
}

/** Builds a string value, plain when the context is empty. */
export function mkString(s: string, ctx: StringContext | null | undefined): string | NixString {
  return ctx && ctx.size > 0 ? new NixString(s, ctx) : s;
}

const MIN_SAFE = Number.MIN_SAFE_INTEGER;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Normalises a bigint int result: a number when safe. */
export function normInt(b: bigint): number | bigint {
  if (b >= BigInt(MIN_SAFE) && b <= BigInt(MAX_SAFE)) return Number(b);
  return b;
}

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;
