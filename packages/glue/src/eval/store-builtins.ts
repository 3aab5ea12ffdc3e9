/**
 * Builtins that put things into the store or name store paths: `toFile`, `path`,
 * `filterSource`, `storePath` (Nix 2.8's argument handling and messages).
 */
import {
  coerceToPath,
  force,
  isFunction,
  mkString,
  type NixAttrs,
  PrimOp,
  runtime,
  type Slot,
  showType,
  throwEval,
} from "@tvix-ts/eval";
import type { NixHash } from "@tvix-ts/nix-compat/core";
import { parseHashAllowEmpty } from "./output-hash.ts";
import type { GlueSession } from "./session.ts";
import { baseName, splitStorePath } from "./store-paths.ts";

export function makeToFile(session: GlueSession): PrimOp {
  return new PrimOp("toFile", 2, (n: Slot, c: Slot) => {
    const name = runtime.forceStringNoCtx(n);
    const v = runtime.forceStringValue(c);
    const refs: string[] = [];
    if (typeof v !== "string")
      for (const x of v.ctx) {
        if (x.charCodeAt(0) !== 47)
          throwEval(
            `in 'toFile': the file named '${name}' must not contain a reference to a derivation but contains (${x})`,
          );
        refs.push(x);
      }
    const contents = typeof v === "string" ? v : v.s;
    const p = session.addText(name, contents, refs);
    return mkString(p, new Set([p]));
  });
}

function addPath(
  session: GlueSession,
  path: string,
  name: string,
  filterFn: Slot | null,
  recursive: boolean,
  expected: NixHash | undefined,
): string {
  try {
    const filter =
      filterFn === null
        ? null
        : (p: string, type: string) =>
            runtime.forceBool(runtime.callValue(runtime.callValue(force(filterFn), p), type));
    const p = session.importLocal(path, name, filter, !recursive, expected);
    return p;
  } catch (e) {
    if (e !== null && typeof e === "object" && "addTrace" in e)
      (e as { addTrace(m: string, p: null): void }).addTrace(`while adding path '${path}'`, null);
    throw e;
  }
}

export function makePath(session: GlueSession): PrimOp {
  return new PrimOp("path", 1, (a: Slot) => {
    const args: NixAttrs = runtime.forceAttrs(a);
    let path = "";
    let name = "";
    let filterFn: Slot | null = null;
    let recursive = true;
    let expected: NixHash | undefined;
    for (let i = 0; i < args.keys.length; i++) {
      const k = args.keys[i];
      const v = args.values[i];
      if (k === "path") path = coerceToPath(v, new Set());
      else if (k === "name") name = runtime.forceStringNoCtx(v);
      else if (k === "filter") {
        force(v);
        filterFn = v;
      } else if (k === "recursive") recursive = runtime.forceBool(v);
      else if (k === "sha256")
        expected = parseHashAllowEmpty(runtime.forceStringNoCtx(v), "sha256", (m) =>
          session.warn(m),
        );
      else throwEval(`unsupported argument '${k}' to 'addPath'`);
    }
    if (path === "") throwEval("'path' required");
    if (name === "") name = baseName(path);
    const p = addPath(session, path, name, filterFn, recursive, expected);
    return mkString(p, new Set([p]));
  });
}

export function makeFilterSource(session: GlueSession): PrimOp {
  return new PrimOp("filterSource", 2, (f: Slot, a: Slot) => {
    const path = coerceToPath(a, new Set());
    const fn = force(f);
    if (!isFunction(fn))
      throwEval(`first argument in call to 'filterSource' is not a function but ${showType(fn)}`);
    const p = addPath(session, path, baseName(path), f, true, undefined);
    return mkString(p, new Set([p]));
  });
}

export function makeStorePath(session: GlueSession): PrimOp {
  return new PrimOp("storePath", 1, (a: Slot) => {
    const ctx = new Set<string>();
    const path = coerceToPath(a, ctx);
    const inStore = splitStorePath(path, session.storeDir);
    if (inStore === undefined) throwEval(`path '${path}' is not in the Nix store`);
    if (!session.io.pathExists(inStore.storePath))
      throwEval(`path '${inStore.storePath}' is not valid`);
    ctx.add(inStore.storePath);
    return mkString(path, ctx);
  });
}
