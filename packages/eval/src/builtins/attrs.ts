/** Attribute set builtins. */
import { throwEval } from "../eval-error.ts";
import {
  call2,
  callValue,
  forceAttrs,
  forceFunction,
  forceList,
  forceString,
  forceStringNoCtx,
  lazyCall,
  lazyCall2,
} from "../runtime.ts";
import {
  type Code,
  type Env,
  force,
  NixAttrs,
  type Pos,
  type Slot,
  Thunk,
  type Value,
} from "../values.ts";
import { registerBuiltin } from "./registry.ts";

registerBuiltin("attrNames", 1, (s: Slot) => forceAttrs(s).keys.slice());
registerBuiltin("attrValues", 1, (s: Slot) => forceAttrs(s).values.slice());

registerBuiltin("getAttr", 2, (n: Slot, s: Slot) => {
  const name = forceStringNoCtx(n);
  const set = forceAttrs(s);
  const i = set.indexOf(name);
  if (i < 0) throwEval(`attribute '${name}' missing`);
  return force(set.values[i]);
});

registerBuiltin("hasAttr", 2, (n: Slot, s: Slot) => {
  const name = forceStringNoCtx(n);
  return forceAttrs(s).has(name);
});

registerBuiltin("removeAttrs", 2, (s: Slot, l: Slot) => {
  const set = forceAttrs(s);
  const names = forceList(l);
  if (names.length === 0) return set;
  const drop = new Set<string>();
  for (const n of names) drop.add(forceStringNoCtx(n));
  // At most the set's size, trimmed after (growing by push would leave spare capacity).
  const keys: string[] = new Array(set.size);
  const values: Slot[] = new Array(set.size);
  const pos: (Pos | undefined)[] | null = set.pos ? new Array(set.size) : null;
  let n = 0;
  for (let i = 0; i < set.keys.length; i++) {
    if (drop.has(set.keys[i])) continue;
    keys[n] = set.keys[i];
    values[n] = set.values[i];
    if (pos) pos[n] = set.pos?.[i];
    n++;
  }
  if (n === set.size) return set;
  keys.length = n;
  values.length = n;
  if (pos) pos.length = n;
  return new NixAttrs(keys, values, pos);
});

registerBuiltin("listToAttrs", 1, (l: Slot) => {
  const list = forceList(l);
  const entries: [string, Slot][] = new Array(list.length);
  // Each attribute is positioned where its element's `value` is (CppNix); null if none is.
  let valuePos: (Pos | undefined)[] | null = null;
  for (let i = 0; i < list.length; i++) {
    const item = forceAttrs(list[i]);
    const n = item.get("name");
    if (n === undefined) throwEval("attribute 'name' missing");
    const name = forceStringNoCtx(n);
    const j = item.indexOf("value");
    if (j < 0) throwEval("attribute 'value' missing");
    entries[i] = [name, item.values[j]];
    const p = item.pos?.[j];
    if (p !== undefined) {
      valuePos ??= new Array(list.length);
      valuePos[i] = p;
    }
  }
  return NixAttrs.fromEntries(entries, true, valuePos);
});

registerBuiltin("mapAttrs", 2, (fn: Slot, s: Slot) => {
  const set = forceAttrs(s);
  const n = set.keys.length;
  const values = new Array(n);
  // One code closure for all values; each thunk keeps just its index (no `[fn, k, v]` array).
  const keys = set.keys;
  const vals = set.values;
  const code = ((i: number) => call2(force(fn), keys[i], vals[i])) as unknown as Code;
  for (let i = 0; i < n; i++) values[i] = new Thunk(code, i as unknown as Env);
  // No positions: CppNix's mapAttrs gives its attributes none (unsafeGetAttrPos is null).
  return new NixAttrs(keys, values, null);
});

registerBuiltin("intersectAttrs", 2, (a: Slot, b: Slot) => {
  const x = forceAttrs(a);
  const y = forceAttrs(b);
  // Indices into y of the shared names (in name order either way), then arrays of the exact
  // size: callPackage-style code calls this once per package and keeps the result.
  const found: number[] = new Array(Math.min(x.size, y.size));
  let n = 0;
  if (x.size < y.size) {
    for (const k of x.keys) {
      const j = y.indexOf(k);
      if (j >= 0) found[n++] = j;
    }
  } else {
    for (let j = 0; j < y.keys.length; j++) if (x.has(y.keys[j])) found[n++] = j;
  }
  if (n === 0) return NixAttrs.EMPTY;
  if (n === y.size) return y;
  const keys: string[] = new Array(n);
  const values: Slot[] = new Array(n);
  const pos: (Pos | undefined)[] | null = y.pos === null ? null : new Array(n);
  for (let i = 0; i < n; i++) {
    const j = found[i];
    keys[i] = y.keys[j];
    values[i] = y.values[j];
    if (pos !== null) pos[i] = y.pos?.[j];
  }
  return new NixAttrs(keys, values, pos);
});

registerBuiltin("catAttrs", 2, (n: Slot, l: Slot) => {
  const name = forceStringNoCtx(n);
  const list = forceList(l);
  const out: Slot[] = new Array(list.length);
  let count = 0;
  for (const e of list) {
    const v = forceAttrs(e).get(name);
    if (v !== undefined) out[count++] = v;
  }
  out.length = count;
  return out;
});

registerBuiltin("unsafeGetAttrPos", 2, (n: Slot, s: Slot) => {
  const name = forceString(n);
  const set = forceAttrs(s);
  const i = set.indexOf(name);
  if (i < 0) return null;
  const p = set.pos?.[i];
  if (!p) return null;
  const lc = p.source.position(p.offset);
  return NixAttrs.fromEntries([
    ["file", p.source.name],
    ["line", lc.line],
    ["column", lc.column],
  ]);
});

registerBuiltin("zipAttrsWith", 2, (fn: Slot, l: Slot) => {
  const groups = new Map<string, Slot[]>();
  for (const e of forceList(l)) {
    const set = forceAttrs(e);
    for (let i = 0; i < set.keys.length; i++) {
      const k = set.keys[i];
      let g = groups.get(k);
      if (!g) {
        g = [];
        groups.set(k, g);
      }
      g.push(set.values[i]);
    }
  }
  const m = new Map<string, Slot>();
  for (const [k, vs] of groups) m.set(k, lazyCall2(fn, k, vs));
  return NixAttrs.fromMap(m);
});

registerBuiltin("groupBy", 2, (f: Slot, l: Slot) => {
  const fn = force(f);
  const groups = new Map<string, Slot[]>();
  for (const e of forceList(l)) {
    const k = forceStringNoCtx(callValue(fn, e));
    let g = groups.get(k);
    if (!g) {
      g = [];
      groups.set(k, g);
    }
    g.push(e);
  }
  return NixAttrs.fromMap(groups as Map<string, Slot>);
});

registerBuiltin("genericClosure", 1, (a: Slot) => {
  const args = forceAttrs(a);
  const start = args.get("startSet");
  if (start === undefined) throwEval("attribute 'startSet' missing");
  const op = args.get("operator");
  if (op === undefined) throwEval("attribute 'operator' missing");
  const opFn = forceFunction(op);
  const work: Slot[] = forceList(start).slice();
  const out: Slot[] = [];
  const seen: Value[] = [];
  const seenKeys = new Set<unknown>();
  for (let w = 0; w < work.length; w++) {
    const item = work[w];
    const set = forceAttrs(item);
    const k = set.get("key");
    if (k === undefined) throwEval("attribute 'key' missing");
    const key = force(k);
    if (!isNew(key, seen, seenKeys)) continue;
    out.push(item);
    for (const x of forceList(callValue(opFn, item))) work.push(x);
  }
  return out;
});

import { eqValues, lessThan } from "../operators.ts";
import { NixFloat, NixString } from "../values.ts";

function isNew(key: Value, seen: Value[], fast: Set<unknown>): boolean {
  // Keys are compared with `<` (CppNix uses a std::set with lessThan); primitive keys use a JS set.
  let prim: unknown;
  if (typeof key === "number" || typeof key === "string") prim = key;
  else if (key instanceof NixString) prim = key.s;
  else if (key instanceof NixFloat)
    prim = Number.isInteger(key.value) ? key.value : `f${key.value}`;
  if (prim !== undefined) {
    if (fast.has(prim)) return false;
    fast.add(prim);
    return true;
  }
  for (const s of seen) {
    try {
      if (!lessThan(s, key) && !lessThan(key, s)) return false;
    } catch (e) {
      void e;
      if (eqValues(s, key, false)) return false;
      throw e;
    }
  }
  seen.push(key);
  return true;
}

export { lazyCall, Thunk };
