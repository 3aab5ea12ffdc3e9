/** Control, types, numbers, tracing, tryEval, imports, environment. */
import { coerceToPath, coerceToString } from "../coerce.ts";
import { getCallDepth, setCallDepth } from "../compile.ts";
import { NixError, throwCatchable, throwEval } from "../eval-error.ts";
import { add, div, eqValues, lessThan, mul, sub } from "../operators.ts";
import { deepForce, showValue } from "../print-value.ts";
import {
  forceAttrs,
  forceInt,
  forceString,
  forceStringNoCtx,
  state,
  typeError,
} from "../runtime.ts";
import {
  force,
  INT64_MAX,
  INT64_MIN,
  isFunction,
  Lambda,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  normInt,
  PrimOp,
  PrimOpApp,
  type Slot,
  typeOf,
  type Value,
} from "../values.ts";
import { registerBuiltin, registerConstant } from "./registry.ts";

registerBuiltin("throw", 1, (m: Slot) => {
  const msg = coerceToString(m, null, false, false);
  return throwCatchable(msg);
});

registerBuiltin("abort", 1, (m: Slot) => {
  const msg = coerceToString(m, null, false, false);
  return throwEval(`evaluation aborted with the following error message: '${msg}'`);
});

registerBuiltin("tryEval", 1, (e: Slot) => {
  const depth = getCallDepth();
  try {
    const v = force(e);
    return NixAttrs.fromEntries([
      ["success", true],
      ["value", v],
    ]);
  } catch (err) {
    if (err instanceof NixError && err.catchable) {
      setCallDepth(depth);
      return NixAttrs.fromEntries([
        ["success", false],
        ["value", false],
      ]);
    }
    throw err;
  }
});

registerBuiltin("seq", 2, (a: Slot, b: Slot) => {
  force(a);
  return force(b);
});

registerBuiltin("deepSeq", 2, (a: Slot, b: Slot) => {
  deepForce(a);
  return force(b);
});

function traceMsg(v: Value): string {
  if (typeof v === "string") return v;
  if (v instanceof NixString) return v.s;
  return showValue(v);
}

registerBuiltin("trace", 2, (a: Slot, b: Slot) => {
  const v = force(a);
  state.io.stderr(`trace: ${traceMsg(v)}\n`);
  return force(b);
});

registerBuiltin("traceVerbose", 2, (a: Slot, b: Slot) => {
  if (state.traceVerbose) {
    const v = force(a);
    state.io.stderr(`trace: ${traceMsg(v)}\n`);
  }
  return force(b);
});

registerBuiltin("warn", 2, (a: Slot, b: Slot) => {
  const v = force(a);
  if (!(typeof v === "string" || v instanceof NixString)) typeError(v, "a string");
  state.io.stderr(`evaluation warning: ${traceMsg(v)}\n`);
  if (state.abortOnWarn)
    // Transient: not remembered by thunks, as CppNix throws a non-evaluation error here.
    throw new NixError(
      "aborting to reveal stack trace of warning, as abort-on-warn is set",
      null,
      false,
      true,
    );
  return force(b);
});

registerBuiltin("addErrorContext", 2, (m: Slot, e: Slot) => {
  try {
    return force(e);
  } catch (err) {
    if (err instanceof NixError) {
      try {
        err.addTrace(coerceToString(m, null, false, false), null);
      } catch {}
    }
    throw err;
  }
});

registerBuiltin("break", 1, (v: Slot) => force(v));

registerBuiltin("typeOf", 1, (v: Slot) => typeOf(force(v)));
registerBuiltin("isNull", 1, (v: Slot) => force(v) === null);
registerBuiltin("isInt", 1, (v: Slot) => {
  const x = force(v);
  return typeof x === "number" || typeof x === "bigint";
});
registerBuiltin("isFloat", 1, (v: Slot) => force(v) instanceof NixFloat);
registerBuiltin("isBool", 1, (v: Slot) => typeof force(v) === "boolean");
registerBuiltin("isString", 1, (v: Slot) => {
  const x = force(v);
  return typeof x === "string" || x instanceof NixString;
});
registerBuiltin("isPath", 1, (v: Slot) => force(v) instanceof NixPath);
registerBuiltin("isAttrs", 1, (v: Slot) => force(v) instanceof NixAttrs);
registerBuiltin("isList", 1, (v: Slot) => Array.isArray(force(v)));
registerBuiltin("isFunction", 1, (v: Slot) => isFunction(force(v)));

registerBuiltin("functionArgs", 1, (f: Slot) => {
  const v = force(f);
  if (v instanceof Lambda) {
    const fm = v.info.formals;
    if (fm === null) return NixAttrs.EMPTY;
    // The formals' own arrays: attribute sets never mutate theirs.
    return new NixAttrs(fm.names, fm.hasDefault, fm.pos);
  }
  if (v instanceof PrimOp || v instanceof PrimOpApp) return NixAttrs.EMPTY;
  return typeError(v, "a function");
});

// Numbers.
registerBuiltin("add", 2, (a: Slot, b: Slot) => add(force(a), force(b), null));
registerBuiltin("sub", 2, (a: Slot, b: Slot) => sub(force(a), force(b), null));
registerBuiltin("mul", 2, (a: Slot, b: Slot) => mul(force(a), force(b), null));
registerBuiltin("div", 2, (a: Slot, b: Slot) => div(force(a), force(b), null));
registerBuiltin("lessThan", 2, (a: Slot, b: Slot) => lessThan(a, b, null));

function bitOp(
  name: string,
  f: (a: bigint, b: bigint) => bigint,
  g: (a: number, b: number) => number,
) {
  registerBuiltin(name, 2, (a: Slot, b: Slot) => {
    const x = forceInt(a);
    const y = forceInt(b);
    if (typeof x === "number" && typeof y === "number" && (x | 0) === x && (y | 0) === y)
      return g(x, y);
    return normInt(BigInt.asIntN(64, f(BigInt(x), BigInt(y))));
  });
}
bitOp(
  "bitAnd",
  (a, b) => a & b,
  (a, b) => a & b,
);
bitOp(
  "bitOr",
  (a, b) => a | b,
  (a, b) => a | b,
);
bitOp(
  "bitXor",
  (a, b) => a ^ b,
  (a, b) => a ^ b,
);

function roundOp(name: string, f: (x: number) => number) {
  registerBuiltin(name, 1, (a: Slot) => {
    const v = force(a);
    if (typeof v === "number" || typeof v === "bigint") return v;
    if (!(v instanceof NixFloat)) return typeError(v, "a float");
    const r = f(v.value);
    if (!Number.isFinite(r) || r >= 2 ** 63 || r < -(2 ** 63))
      throwEval(`NixFloat value ${v.value} is out of range for a NixInt`);
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
    const b = BigInt(r);
    if (b < INT64_MIN || b > INT64_MAX) throwEval("integer overflow");
    return normInt(b);
  });
}
roundOp("floor", Math.floor);
roundOp("ceil", Math.ceil);

// Environment and constants.
registerBuiltin("getEnv", 1, (n: Slot) => {
  const name = forceStringNoCtx(n);
  if (state.pure) return "";
  return state.io.getEnv(name) ?? "";
});
registerConstant("currentTime", () => state.io.currentTime());
registerConstant("currentSystem", () => state.currentSystem);
registerConstant("nixVersion", () => "2.31.0");
registerConstant("langVersion", () => 6);
registerConstant("storeDir", () => state.storeDir);
registerConstant("nixPath", () =>
  state.searchPath.map((e) =>
    NixAttrs.fromEntries([
      ["path", e.path],
      ["prefix", e.prefix],
    ]),
  ),
);

// Imports.
registerBuiltin("import", 1, (p: Slot) => {
  const path = importPath(p);
  return state.evalFile(path, null);
});
registerBuiltin("scopedImport", 2, (s: Slot, p: Slot) => {
  const scope = forceAttrs(s);
  const path = importPath(p);
  return state.evalFile(path, scope);
});

function importPath(p: Slot): string {
  const ctx = new Set<string>();
  const v = force(p);
  return coerceToPath(v, ctx);
}

// Equality helper exposed for `elem` and others.
export function eqNested(a: Slot, b: Slot): boolean {
  return eqValues(a, b, true);
}

export { forceString };
