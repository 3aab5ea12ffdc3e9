/** List builtins. */
import { throwEval } from "../eval-error.ts";
import { eqValues, lessThan } from "../operators.ts";
import {
  call2,
  callValue,
  forceBool,
  forceFunction,
  forceList,
  forceSmallInt,
} from "../runtime.ts";
import {
  type Code,
  type Env,
  force,
  Lambda,
  NixAttrs,
  PrimOp,
  type Slot,
  Thunk,
  type Value,
} from "../values.ts";
import { registerBuiltin } from "./registry.ts";

registerBuiltin("length", 1, (l: Slot) => forceList(l).length);

registerBuiltin("head", 1, (l: Slot) => {
  const list = forceList(l);
  if (list.length === 0) throwEval("'builtins.head' called on an empty list");
  return force(list[0]);
});

registerBuiltin("tail", 1, (l: Slot) => {
  const list = forceList(l);
  if (list.length === 0) throwEval("'builtins.tail' called on an empty list");
  return list.slice(1);
});

registerBuiltin("elemAt", 2, (l: Slot, n: Slot) => {
  const list = forceList(l);
  const i = forceSmallInt(n);
  if (i < 0 || i >= list.length)
    throwEval(`'builtins.elemAt' called with index ${i} on a list of size ${list.length}`);
  return force(list[i]);
});

/**
 * Thunks for `fn x` over many `x` share one code closure and keep `x` itself where a thunk keeps
 * its environment (no `[fn, x]` array per element).
 */
function applier(fn: Slot): Code {
  return ((x: Slot) => callValue(force(fn), x)) as unknown as Code;
}

registerBuiltin("map", 2, (fn: Slot, l: Slot) => {
  const list = forceList(l);
  const n = list.length;
  const out = new Array(n);
  const code = applier(fn);
  for (let i = 0; i < n; i++) out[i] = new Thunk(code, list[i] as Env);
  return out;
});

registerBuiltin("filter", 2, (f: Slot, l: Slot) => {
  const fn = forceFunction(f);
  const list = forceList(l);
  const n = list.length;
  if (n <= 30) {
    // Short lists (a package's dependencies) keep their verdicts in a bit mask, not a buffer.
    let mask = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (forceBool(callValue(fn, list[i]))) {
        mask |= 1 << i;
        count++;
      }
    }
    if (count === n) return list;
    const out = new Array(count);
    for (let i = 0, k = 0; k < count; i++) if (mask & (1 << i)) out[k++] = list[i];
    return out;
  }
  const keep = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (forceBool(callValue(fn, list[i]))) {
      keep[i] = 1;
      count++;
    }
  }
  if (count === n) return list;
  const out = new Array(count);
  for (let i = 0, k = 0; k < count; i++) if (keep[i] === 1) out[k++] = list[i];
  return out;
});

registerBuiltin("foldl'", 3, (f: Slot, z: Slot, l: Slot) => {
  const fn = force(f);
  const list = forceList(l);
  if (list.length === 0) return force(z);
  let acc: Slot = z;
  if (fn instanceof PrimOp && fn.arity === 2) {
    for (let i = 0; i < list.length; i++) acc = fn.fn(acc, list[i]);
    return acc as Value;
  }
  for (let i = 0; i < list.length; i++) acc = call2(fn, acc, list[i]);
  return acc as Value;
});

registerBuiltin("genList", 2, (fn: Slot, n: Slot) => {
  const len = forceSmallInt(n);
  if (len < 0) throwEval(`cannot create list of size ${len}`);
  const out = new Array(len);
  const code = applier(fn);
  for (let i = 0; i < len; i++) out[i] = new Thunk(code, i as unknown as Env);
  return out;
});

registerBuiltin("concatLists", 1, (l: Slot) => {
  const outer = forceList(l);
  const lists: Slot[][] = new Array(outer.length);
  let total = 0;
  let nonEmpty = -1;
  for (let i = 0; i < outer.length; i++) {
    const x = forceList(outer[i]);
    lists[i] = x;
    if (x.length > 0) nonEmpty = nonEmpty === -1 ? i : -2;
    total += x.length;
  }
  if (nonEmpty >= 0) return lists[nonEmpty];
  const out = new Array(total);
  let k = 0;
  for (const x of lists) for (let j = 0; j < x.length; j++) out[k++] = x[j];
  return out;
});

registerBuiltin("concatMap", 2, (f: Slot, l: Slot) => {
  const fn = force(f);
  const parts = forceList(l).map((x) => forceList(callValue(fn, x)));
  let total = 0;
  for (const r of parts) total += r.length;
  const out: Slot[] = new Array(total);
  let k = 0;
  for (const r of parts) for (let j = 0; j < r.length; j++) out[k++] = r[j];
  return out;
});

registerBuiltin("elem", 2, (x: Slot, l: Slot) => {
  for (const e of forceList(l)) if (eqValues(x, e, true)) return true;
  return false;
});

registerBuiltin("any", 2, (f: Slot, l: Slot) => {
  const fn = force(f);
  for (const e of forceList(l)) if (forceBool(callValue(fn, e))) return true;
  return false;
});

registerBuiltin("all", 2, (f: Slot, l: Slot) => {
  const fn = force(f);
  for (const e of forceList(l)) if (!forceBool(callValue(fn, e))) return false;
  return true;
});

registerBuiltin("partition", 2, (f: Slot, l: Slot) => {
  const fn = force(f);
  const right: Slot[] = [];
  const wrong: Slot[] = [];
  for (const e of forceList(l)) (forceBool(callValue(fn, e)) ? right : wrong).push(e);
  return NixAttrs.fromEntries([
    ["right", right],
    ["wrong", wrong],
  ]);
});

registerBuiltin("sort", 2, (f: Slot, l: Slot) => {
  const fn = force(f);
  const list = forceList(l);
  const n = list.length;
  if (n <= 1) return list;
  const vals = new Array(n);
  for (let i = 0; i < n; i++) vals[i] = force(list[i]);
  let less: (a: Value, b: Value) => boolean;
  if (fn instanceof PrimOp && fn.name === "lessThan") {
    // All ints or all plain strings: a total order, so any stable sort gives std::stable_sort's
    // result; ints sort natively as doubles (safe integers are exact).
    let ints = true;
    let strs = true;
    for (let i = 0; i < n && (ints || strs); i++) {
      const t = typeof vals[i];
      if (t !== "number") ints = false;
      if (t !== "string") strs = false;
    }
    if (ints) {
      const sorted = Float64Array.from(vals).sort();
      for (let i = 0; i < n; i++) vals[i] = sorted[i];
      return vals;
    }
    if (strs) return vals.sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0));
    less = (a, b) => lessThan(a, b);
  } else if (fn instanceof Lambda) less = (a, b) => forceBool(call2(fn, a, b));
  else less = (a, b) => forceBool(call2(fn, a, b));
  // Stable merge sort calling only `less(b, a)` like std::stable_sort.
  return mergeSort(vals, less);
});

function mergeSort(a: Value[], less: (a: Value, b: Value) => boolean): Value[] {
  const n = a.length;
  let src = a.slice();
  let dst = new Array(n);
  // Insertion sort runs of 8.
  const RUN = 8;
  for (let s = 0; s < n; s += RUN) {
    const e = Math.min(s + RUN, n);
    for (let i = s + 1; i < e; i++) {
      const x = src[i];
      let j = i - 1;
      while (j >= s && less(x, src[j])) {
        src[j + 1] = src[j];
        j--;
      }
      src[j + 1] = x;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (less(src[j], src[i])) dst[k++] = src[j++];
        else dst[k++] = src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
}

export { Thunk };
