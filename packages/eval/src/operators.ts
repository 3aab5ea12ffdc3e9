/**
 * Arithmetic (64-bit ints with overflow errors, as current CppNix; floats), equality with
 * CppNix's rules (nested pointer equality, derivations compared by `outPath`), and ordering.
 */
import { throwEval } from "./eval-error.ts";
import { isDerivation, typeError } from "./runtime.ts";
import {
  force,
  INT64_MAX,
  INT64_MIN,
  isFunction,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  normInt,
  type Pos,
  type Slot,
  showType,
  type Value,
} from "./values.ts";

function checkRange(
  r: bigint,
  what: string,
  a: unknown,
  b: unknown,
  pos: Pos | null,
): number | bigint {
  if (r < INT64_MIN || r > INT64_MAX)
    throwEval(`integer overflow in ${what} ${a} ${opSym(what)} ${b}`, pos);
  return normInt(r);
}
function opSym(what: string): string {
  return what === "adding"
    ? "+"
    : what === "subtracting"
      ? "-"
      : what === "multiplying"
        ? "*"
        : "/";
}

function numError(a: Value, b: Value, pos: Pos | null): never {
  const bad = typeof a === "number" || typeof a === "bigint" || a instanceof NixFloat ? b : a;
  return typeError(bad, "an integer", pos);
}

export function add(a: Value, b: Value, pos: Pos | null): Value {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (r <= Number.MAX_SAFE_INTEGER && r >= Number.MIN_SAFE_INTEGER) return r;
    return checkRange(BigInt(a) + BigInt(b), "adding", a, b, pos);
  }
  if (a instanceof NixFloat || b instanceof NixFloat)
    return new NixFloat(toF(a, b, pos) + toF(b, a, pos));
  if (
    (typeof a === "number" || typeof a === "bigint") &&
    (typeof b === "number" || typeof b === "bigint")
  )
    return checkRange(BigInt(a) + BigInt(b), "adding", a, b, pos);
  return numError(a, b, pos);
}

export function sub(a: Value, b: Value, pos: Pos | null): Value {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (r <= Number.MAX_SAFE_INTEGER && r >= Number.MIN_SAFE_INTEGER) return r;
    return checkRange(BigInt(a) - BigInt(b), "subtracting", a, b, pos);
  }
  if (a instanceof NixFloat || b instanceof NixFloat)
    return new NixFloat(toF(a, b, pos) - toF(b, a, pos));
  if (
    (typeof a === "number" || typeof a === "bigint") &&
    (typeof b === "number" || typeof b === "bigint")
  )
    return checkRange(BigInt(a) - BigInt(b), "subtracting", a, b, pos);
  return numError(a, b, pos);
}

export function mul(a: Value, b: Value, pos: Pos | null): Value {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (r <= Number.MAX_SAFE_INTEGER && r >= Number.MIN_SAFE_INTEGER) return r === 0 ? 0 : r;
    return checkRange(BigInt(a) * BigInt(b), "multiplying", a, b, pos);
  }
  if (a instanceof NixFloat || b instanceof NixFloat)
    return new NixFloat(toF(a, b, pos) * toF(b, a, pos));
  if (
    (typeof a === "number" || typeof a === "bigint") &&
    (typeof b === "number" || typeof b === "bigint")
  )
    return checkRange(BigInt(a) * BigInt(b), "multiplying", a, b, pos);
  return numError(a, b, pos);
}

export function div(a: Value, b: Value, pos: Pos | null): Value {
  if (a instanceof NixFloat || b instanceof NixFloat) {
    const fb = toF(b, a, pos);
    const fa = toF(a, b, pos);
    if (fb === 0) throwEval("division by zero", pos);
    return new NixFloat(fa / fb);
  }
  if (
    (typeof a === "number" || typeof a === "bigint") &&
    (typeof b === "number" || typeof b === "bigint")
  ) {
    if (b === 0 || b === 0n) throwEval("division by zero", pos);
    if (typeof a === "number" && typeof b === "number" && a <= 2147483647 && a >= -2147483648) {
      const q = Math.trunc(a / b);
      return q === 0 ? 0 : q;
    }
    const ba = BigInt(a);
    const bb = BigInt(b);
    if (ba === INT64_MIN && bb === -1n) throwEval(`integer overflow in dividing ${a} / ${b}`, pos);
    return normInt(ba / bb);
  }
  return numError(a, b, pos);
}

function toF(v: Value, other: Value, pos: Pos | null): number {
  if (v instanceof NixFloat) return v.value;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  void other;
  return typeError(v, "a float", pos);
}

/** `==` on two slots. `nested`: slots inside lists/sets, where identical cells are equal. */
export function eqValues(x: Slot, y: Slot, nested: boolean, pos: Pos | null = null): boolean {
  // CppNix forces both sides first, then (for nested values) compares cells.
  const a = force(x);
  const b = force(y);
  if (nested && x === y) return true;
  if (typeof a === "number") {
    if (typeof b === "number") return a === b;
    if (b instanceof NixFloat) return a === b.value;
    if (typeof b === "bigint") return false;
    return false;
  }
  if (typeof a === "string") {
    if (typeof b === "string") return a === b;
    if (b instanceof NixString) return a === b.s;
    return false;
  }
  if (typeof a === "boolean" || a === null) return a === b;
  if (typeof a === "bigint") {
    if (typeof b === "bigint") return a === b;
    if (b instanceof NixFloat) return Number(a) === b.value;
    return false;
  }
  if (a instanceof NixFloat) {
    if (b instanceof NixFloat) return a.value === b.value;
    if (typeof b === "number") return a.value === b;
    if (typeof b === "bigint") return a.value === Number(b);
    return false;
  }
  if (a instanceof NixString) {
    if (typeof b === "string") return a.s === b;
    if (b instanceof NixString) return a.s === b.s;
    return false;
  }
  if (a instanceof NixPath) return b instanceof NixPath && a.path === b.path;
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eqValues(a[i], b[i], true, pos)) return false;
    return true;
  }
  if (a instanceof NixAttrs) {
    if (!(b instanceof NixAttrs)) return false;
    if (isDerivation(a) && isDerivation(b)) {
      const oa = a.get("outPath");
      const ob = b.get("outPath");
      if (oa !== undefined && ob !== undefined) return eqValues(oa, ob, true, pos);
    }
    if (a.size !== b.size) return false;
    const ka = a.keys;
    const kb = b.keys;
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return false;
    const va = a.values;
    const vb = b.values;
    for (let i = 0; i < va.length; i++) if (!eqValues(va[i], vb[i], true, pos)) return false;
    return true;
  }
  if (isFunction(a)) return false;
  return false;
}

/** `a < b` (CppNix `CompareValues`). */
export function lessThan(x: Slot, y: Slot, pos: Pos | null = null): boolean {
  const a = force(x);
  const b = force(y);
  if (typeof a === "number" && typeof b === "number") return a < b;
  const ta = numKind(a);
  const tb = numKind(b);
  if (ta !== 0 && tb !== 0) {
    if (ta === 1 && tb === 1) return (a as number | bigint) < (b as number | bigint);
    return numVal(a) < numVal(b);
  }
  const sa = typeof a === "string" ? a : a instanceof NixString ? a.s : null;
  const sb = typeof b === "string" ? b : b instanceof NixString ? b.s : null;
  if (sa !== null && sb !== null) return sa < sb;
  if (a instanceof NixPath && b instanceof NixPath) return a.path < b.path;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; ; i++) {
      if (i === b.length) return false;
      if (i === a.length) return true;
      if (!eqValues(a[i], b[i], true, pos)) return lessThan(a[i], b[i], pos);
    }
  }
  return throwEval(`cannot compare ${showType(a)} with ${showType(b)}`, pos);
}

function numKind(v: Value): number {
  if (typeof v === "number" || typeof v === "bigint") return 1;
  if (v instanceof NixFloat) return 2;
  return 0;
}
function numVal(v: Value): number {
  return v instanceof NixFloat ? v.value : Number(v);
}

/** `a // b` */
export function updateAttrs(a: NixAttrs, b: NixAttrs): NixAttrs {
  const nb = b.size;
  if (nb === 0) return a;
  const na = a.size;
  if (na === 0) return b;
  const ak = a.keys;
  const bk = b.keys;
  // The same names (`set // mapAttrs f set`, a package set over its overlay): b wins throughout.
  if (ak === bk) return b;
  if (nb === 1) {
    const k = bk[0];
    const i = a.indexOf(k);
    if (i >= 0) {
      const vals = a.values.slice();
      vals[i] = b.values[0];
      let pos = a.pos;
      if (pos !== null || b.pos !== null) {
        const p = pos ? pos.slice() : new Array(na);
        p[i] = b.pos ? b.pos[0] : undefined;
        pos = p;
      }
      return new NixAttrs(ak, vals, pos);
    }
  }
  // Size of the result first, so that its arrays are allocated once at their exact size; when
  // it has exactly a's or b's names, their keys array is shared.
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < na && j < nb) {
    const x = ak[i];
    const y = bk[j];
    if (x < y) i++;
    else {
      if (x === y) i++;
      j++;
    }
    n++;
  }
  n += na - i + (nb - j);
  const av = a.values;
  const bv = b.values;
  if (n === nb) return new NixAttrs(bk, bv, b.pos);
  const keys: string[] = n === na ? (ak as string[]) : new Array(n);
  const shared = n === na;
  const vals: Slot[] = new Array(n);
  const withPos = a.pos !== null || b.pos !== null;
  const pos: (Pos | undefined)[] | null = withPos ? new Array(n) : null;
  i = 0;
  j = 0;
  let k = 0;
  while (i < na && j < nb) {
    const x = ak[i];
    const y = bk[j];
    if (x < y) {
      if (!shared) keys[k] = x;
      vals[k] = av[i];
      if (pos) pos[k] = a.pos?.[i];
      i++;
    } else {
      if (!shared) keys[k] = y;
      vals[k] = bv[j];
      if (pos) pos[k] = b.pos?.[j];
      j++;
      if (x === y) i++;
    }
    k++;
  }
  for (; i < na; i++, k++) {
    if (!shared) keys[k] = ak[i];
    vals[k] = av[i];
    if (pos) pos[k] = a.pos?.[i];
  }
  for (; j < nb; j++, k++) {
    if (!shared) keys[k] = bk[j];
    vals[k] = bv[j];
    if (pos) pos[k] = b.pos?.[j];
  }
  return new NixAttrs(keys, vals, pos);
}
