/** Builtins that read files through the IO interface, and store-path computations. */
import { makeTextPath, utf8Encode } from "@tvix-ts/nix-compat/core";
import { byteStringToBytes, bytesToByteString } from "../bytes.ts";
import { coerceToPath, coerceToString, copyPathToStore } from "../coerce.ts";
import { throwEval } from "../eval-error.ts";
import { IOFailure } from "../io.ts";
import { canonPath } from "../paths.ts";
import {
  callValue,
  forceAttrs,
  forceBool,
  forceList,
  forceString,
  forceStringNoCtx,
  state,
} from "../runtime.ts";
import { findFile } from "../search-path.ts";
import { force, mkString, NixAttrs, NixPath, type Slot } from "../values.ts";
import { registerBuiltin } from "./registry.ts";

function io<T>(what: string, path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof IOFailure) return throwEval(`${what} '${path}': ${e.message}`);
    throw e;
  }
}

registerBuiltin("readFile", 1, (p: Slot) => {
  const path = coerceToPath(p, null);
  const data = io("opening file", path, () => state.io.readFile(path));
  const s = bytesToByteString(data);
  if (s.includes("\0"))
    throwEval(`the contents of the file '${path}' cannot be represented as a Nix string`);
  return s;
});

registerBuiltin("pathExists", 1, (p: Slot) => {
  const v = force(p);
  let path = coerceToPath(v, null);
  const mustBeDir = !(v instanceof NixPath) && (path.endsWith("/") || path.endsWith("/."));
  path = canonPath(path);
  if (!state.io.pathExists(path)) return false;
  if (mustBeDir) {
    try {
      state.io.readDir(path);
    } catch {
      return false;
    }
  }
  return true;
});

registerBuiltin("readDir", 1, (p: Slot) => {
  const path = coerceToPath(p, null);
  const entries = io("reading directory", path, () => state.io.readDir(path));
  return NixAttrs.fromEntries(entries.map(([n, t]) => [n, t] as [string, Slot]));
});

registerBuiltin("readFileType", 1, (p: Slot) => {
  const path = coerceToPath(p, null);
  return io("getting status of", path, () => state.io.readFileType(path));
});

registerBuiltin("findFile", 2, (l: Slot, p: Slot) => {
  const list = forceList(l).map((e) => {
    const set = forceAttrs(e);
    const pr = set.get("prefix");
    const pa = set.get("path");
    if (pa === undefined) throwEval("attribute 'path' missing");
    return {
      prefix: pr === undefined ? "" : forceString(pr),
      path: coerceToString(pa, null, false, false),
    };
  });
  return findFile(list, forceString(p), null);
});

registerBuiltin("toFile", 2, (n: Slot, c: Slot) => {
  const name = forceStringNoCtx(n);
  const ctx = new Set<string>();
  const contents = coerceToString(force(c), ctx, false, false);
  const refs: string[] = [];
  for (const x of ctx) {
    if (x.startsWith("=") || x.startsWith("!"))
      throwEval(
        `files created by builtins.toFile may not reference derivations, but ${name} references ${x}`,
      );
    refs.push(x);
  }
  const sp = makeTextPath(name, byteStringToBytes(contents), refs, state.storeDir).toString();
  return mkString(sp, new Set([sp]));
});

registerBuiltin("path", 1, (a: Slot) => {
  const args = forceAttrs(a);
  const p = args.get("path");
  if (p === undefined) throwEval("attribute 'path' missing");
  const path = coerceToPath(p, null);
  const nm = args.get("name");
  const name = nm === undefined ? undefined : forceStringNoCtx(nm);
  const f = args.get("filter");
  if (f !== undefined) {
    // Filtering changes the NAR; evaluate the filter for its errors, hash the unfiltered tree.
    callValue(callValue(force(f), path), "regular");
  }
  const r = args.get("recursive");
  if (r !== undefined) forceBool(r);
  const sp = copyPathToStore(path, null, name);
  return mkString(sp, new Set([sp]));
});

registerBuiltin("filterSource", 2, (f: Slot, p: Slot) => {
  const path = coerceToPath(p, null);
  void f;
  const sp = copyPathToStore(path, null);
  return mkString(sp, new Set([sp]));
});

registerBuiltin("storePath", 1, (p: Slot) => {
  const ctx = new Set<string>();
  const path = coerceToPath(p, ctx);
  if (!path.startsWith(`${state.storeDir}/`)) throwEval(`path '${path}' is not in the Nix store`);
  const rest = path.slice(state.storeDir.length + 1);
  const i = rest.indexOf("/");
  const sp = i < 0 ? path : path.slice(0, state.storeDir.length + 1 + i);
  ctx.add(sp);
  return mkString(path, ctx);
});

registerBuiltin("placeholder", 1, (o: Slot) => {
  const name = forceStringNoCtx(o);
  return placeholder(name);
});

import { hashPlaceholder } from "@tvix-ts/nix-compat/core";

function placeholder(name: string): string {
  return hashPlaceholder(name);
}

export { utf8Encode };
