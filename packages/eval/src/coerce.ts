/**
 * Coercion to string (CppNix `coerceToString`) and copying paths to the store. Context is
 * accumulated into a caller-provided set so that concatenations build one set.
 */
import { digest, makeSourcePath, type NarNodeInput, writeNarSync } from "@tvix-ts/nix-compat/core";
import { byteStringToBytes } from "./bytes.ts";
import { throwEval } from "./eval-error.ts";
import { formatFloat } from "./print-literals.ts";
import { ERROR_PRINT, showValue } from "./print-value.ts";
import { callValue, state } from "./runtime.ts";
import {
  addContext,
  force,
  NixAttrs,
  NixFloat,
  NixPath,
  NixString,
  type Pos,
  type Slot,
  showType,
  type Value,
} from "./values.ts";

/**
 * The string of a value. `ctx` receives the context (null: discard). `coerceMore` is
 * `toString`'s mode (null, bools, numbers, lists); `copyToStore` copies paths to the store.
 */
export function coerceToString(
  s: Slot,
  ctx: Set<string> | null,
  coerceMore: boolean,
  copyToStore: boolean,
  pos: Pos | null = null,
): string {
  let v = force(s);
  // A set coerces through `__toString` or as its `outPath`; the `outPath` chain is followed
  // here rather than by recursion (derivations coerce their dependencies' paths this way, and
  // deep dependency chains make deep stacks).
  while (v instanceof NixAttrs) {
    const f = v.get("__toString");
    if (f !== undefined) {
      const r = callValue(force(f), v, pos);
      return coerceToString(r, ctx, coerceMore, copyToStore, pos);
    }
    const o = v.get("outPath");
    if (o === undefined)
      return throwEval(`cannot coerce a set to a string: ${showValue(v, ERROR_PRINT)}`, pos);
    v = force(o);
  }
  if (typeof v === "string") return v;
  if (v instanceof NixString) {
    if (ctx !== null) addContext(ctx, v.ctx);
    return v.s;
  }
  if (v instanceof NixPath) {
    if (!copyToStore) return v.path;
    const sp = copyPathToStore(v.path, pos);
    if (ctx !== null) ctx.add(sp);
    return sp;
  }
  if (coerceMore) {
    if (typeof v === "number" || typeof v === "bigint") return String(v);
    if (v === true) return "1";
    if (v === false || v === null) return "";
    if (v instanceof NixFloat) return floatToString(v.value);
    if (Array.isArray(v)) {
      let out = "";
      for (let i = 0; i < v.length; i++) {
        const e = force(v[i]);
        // A derivation in a list (a derivation's `buildInputs`) is forced from this frame, one
        // level less per dependency in a deep chain.
        let x: Value = e;
        if (e instanceof NixAttrs && !e.has("__toString")) {
          const o = e.get("outPath");
          if (o !== undefined) x = force(o);
        }
        if (typeof x === "string") out += x;
        else if (x instanceof NixString) {
          if (ctx !== null) addContext(ctx, x.ctx);
          out += x.s;
        } else out += coerceToString(x, ctx, coerceMore, copyToStore, pos);
        if (i < v.length - 1 && !(Array.isArray(e) && e.length === 0)) out += " ";
      }
      return out;
    }
  }
  return throwEval(
    `cannot coerce ${showType(v as Value)} to a string: ${showValue(v as Value, ERROR_PRINT)}`,
    pos,
  );
}

/** `toString` of a float: C's `%f` (six decimals). */
export function floatToString(x: number): string {
  if (Number.isNaN(x)) return x < 0 || Object.is(x, Number.NaN) ? "-nan" : "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  if (a < 1e21) s = a.toFixed(6);
  else {
    // toFixed switches to exponent form above 1e21; expand exactly with BigInt.
    s = `${BigInt(a).toString()}.000000`;
  }
  return neg ? `-${s}` : s;
}

export { formatFloat };

/** Coerces a value to a path string (a path, or a string starting with `/`). */
export function coerceToPath(s: Slot, ctx: Set<string> | null, pos: Pos | null = null): string {
  const v = force(s);
  if (v instanceof NixPath) return v.path;
  const str = coerceToString(v, ctx, false, false, pos);
  if (str.length === 0 || str.charCodeAt(0) !== 47)
    throwEval(`string '${str}' doesn't represent an absolute path`, pos);
  return str;
}

function baseName(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? p : p.slice(i + 1);
}

/** The NAR of a path read through the IO interface. */
export function narOf(path: string): Uint8Array {
  const io = state.io;
  const node = (p: string): NarNodeInput => {
    const t = io.readFileType(p);
    if (t === "regular")
      return { type: "regular", executable: io.isExecutable(p), contents: io.readFile(p) };
    if (t === "symlink") return { type: "symlink", target: byteStringToBytes(io.readLink(p)) };
    if (t === "directory")
      return {
        type: "directory",
        entries: io.readDir(p).map(([name]) => ({
          name: byteStringToBytes(name),
          node: () => node(p === "/" ? `/${name}` : `${p}/${name}`),
        })),
      };
    return throwEval(`file '${p}' has an unsupported type`);
  };
  return writeNarSync(node(path));
}

/** Copies a path to the store (computes its store path; the host may copy the contents). */
export function copyPathToStore(path: string, pos: Pos | null = null, name?: string): string {
  const cached = state.storeCache.get(path);
  if (cached !== undefined && name === undefined) return cached;
  if (path.startsWith(`${state.storeDir}/`)) {
    // Already in the store: refer to the store path itself.
    const rest = path.slice(state.storeDir.length + 1);
    const i = rest.indexOf("/");
    return i < 0 ? path : path.slice(0, state.storeDir.length + 1 + i);
  }
  const hook = state.io.importPath;
  if (hook !== undefined) {
    const out = hook.call(state.io, path, name ?? baseName(path));
    if (name === undefined) state.storeCache.set(path, out);
    return out;
  }
  let nar: Uint8Array;
  try {
    nar = narOf(path);
  } catch (e) {
    if (e && typeof e === "object" && "message" in e && !(e instanceof Error && false))
      return throwEval(`getting status of '${path}': ${(e as { message: string }).message}`, pos);
    throw e;
  }
  const sp = makeSourcePath(
    name ?? baseName(path),
    digest("sha256", nar),
    [],
    false,
    state.storeDir,
  );
  const out = sp.toString();
  if (name === undefined) state.storeCache.set(path, out);
  return out;
}
