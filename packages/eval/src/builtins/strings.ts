/** String builtins (context is carried as CppNix does). */
import { coerceToString } from "../coerce.ts";
import { throwEval } from "../eval-error.ts";
import { canonPath } from "../paths.ts";
import { forceList, forceSmallInt, forceString, forceStringValue } from "../runtime.ts";
import { addContext, force, mkString, NixPath, NixString, type Slot, strOf } from "../values.ts";
import { compile, isRegexError, matchWhole, splitString } from "./engines/regex.ts";
import { registerBuiltin } from "./registry.ts";

registerBuiltin("toString", 1, (v: Slot) => {
  const x = force(v);
  if (typeof x === "string") return x;
  if (typeof x === "number") return String(x);
  const ctx = new Set<string>();
  const s = coerceToString(v, ctx, true, false);
  return mkString(s, ctx);
});

registerBuiltin("stringLength", 1, (v: Slot) => {
  const s = force(v);
  if (typeof s === "string") return s.length;
  return coerceToString(s, null, false, true).length;
});

registerBuiltin("substring", 3, (a: Slot, b: Slot, c: Slot) => {
  const start = forceSmallInt(a);
  const len = forceSmallInt(b);
  const ctx = new Set<string>();
  const s = coerceToString(c, ctx, false, true);
  if (start < 0) throwEval("negative start position in substring");
  if (start >= s.length) return mkString("", ctx);
  const r = len < 0 ? s.slice(start) : s.slice(start, start + len);
  return mkString(r, ctx);
});

registerBuiltin("concatStringsSep", 2, (sepS: Slot, l: Slot) => {
  // The context set is made only when a part has context (most calls have none).
  let ctx: Set<string> | null = null;
  const sepV = forceStringValue(sepS);
  let sep: string;
  if (typeof sepV === "string") sep = sepV;
  else {
    ctx = new Set<string>();
    sep = coerceToString(sepV, ctx, false, false);
  }
  const list = forceList(l);
  const n = list.length;
  if (n === 0) return mkString("", ctx);
  // One join instead of a rope of 2n concatenations (far less garbage on long lists).
  const parts: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = force(list[i]);
    if (typeof v === "string") parts[i] = v;
    else {
      if (ctx === null) ctx = new Set<string>();
      parts[i] = coerceToString(v, ctx, false, true);
    }
  }
  return mkString(n === 1 ? parts[0] : parts.join(sep), ctx);
});

registerBuiltin("replaceStrings", 3, (fromS: Slot, toS: Slot, sS: Slot) => {
  const from = forceList(fromS);
  const to = forceList(toS);
  if (from.length !== to.length)
    throwEval("'from' and 'to' arguments passed to builtins.replaceStrings have different lengths");
  const froms = from.map((x) => forceString(x));
  const ctx = new Set<string>();
  const tos: string[] = to.map((t) => coerceToString(forceStringValue(t), ctx, false, false));
  const sv = forceStringValue(sS);
  const s = strOf(sv);
  if (sv instanceof NixString) addContext(ctx, sv.ctx);
  const nf = froms.length;
  if (nf === 0) return sv;
  if (!froms.includes("")) return mkString(replaceNonEmpty(s, froms, tos), ctx);
  // Some pattern is empty (it matches at every position): byte by byte.
  const parts: string[] = [];
  let run = 0;
  let p = 0;
  const n = s.length;
  while (p <= n) {
    let found = false;
    for (let i = 0; i < nf; i++) {
      const f = froms[i];
      if (s.startsWith(f, p)) {
        found = true;
        if (p > run) parts.push(s.slice(run, p));
        parts.push(tos[i]);
        if (f.length === 0) {
          run = p;
          p++;
        } else {
          p += f.length;
          run = p;
        }
        break;
      }
    }
    if (!found) p++;
  }
  if (run < n) parts.push(s.slice(run, n));
  return mkString(parts.length === 1 ? parts[0] : parts.join(""), ctx);
});

/**
 * replaceStrings without empty patterns: the next occurrence of each pattern is found with
 * indexOf (and looked up again only once the scan has passed it); the leftmost wins, and at one
 * position the pattern listed first, as CppNix tries them in order at each position.
 */
function replaceNonEmpty(s: string, froms: string[], tos: string[]): string {
  const nf = froms.length;
  const next: number[] = new Array(nf);
  for (let i = 0; i < nf; i++) next[i] = s.indexOf(froms[i]);
  const parts: string[] = [];
  let p = 0;
  for (;;) {
    let best = -1;
    let bi = -1;
    for (let i = 0; i < nf; i++) {
      let at = next[i];
      if (at >= 0 && at < p) next[i] = at = s.indexOf(froms[i], p);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
        bi = i;
      }
    }
    if (bi < 0) break;
    if (best > p) parts.push(s.slice(p, best));
    parts.push(tos[bi]);
    p = best + froms[bi].length;
  }
  if (parts.length === 0) return s;
  if (p < s.length) parts.push(s.slice(p));
  return parts.join("");
}

registerBuiltin("baseNameOf", 1, (v: Slot) => {
  const x = force(v);
  const ctx = new Set<string>();
  const s = x instanceof NixPath ? x.path : coerceToString(x, ctx, false, false);
  let end = s.length;
  if (end > 0 && s[end - 1] === "/") end--;
  const i = s.lastIndexOf("/", end - 1);
  return mkString(s.slice(i + 1, end), ctx);
});

registerBuiltin("dirOf", 1, (v: Slot) => {
  const x = force(v);
  if (x instanceof NixPath) {
    const p = x.path;
    const i = p.lastIndexOf("/");
    return new NixPath(i <= 0 ? "/" : p.slice(0, i));
  }
  const ctx = new Set<string>();
  const s = coerceToString(x, ctx, false, false);
  const i = s.lastIndexOf("/");
  if (i < 0) return mkString(".", ctx);
  if (i === 0) return mkString("/", ctx);
  return mkString(s.slice(0, i), ctx);
});

registerBuiltin("toPath", 1, (v: Slot) => {
  const ctx = new Set<string>();
  const x = force(v);
  const s = x instanceof NixPath ? x.path : coerceToString(x, ctx, false, false);
  if (!s.startsWith("/")) throwEval(`string '${s}' doesn't represent an absolute path`);
  return mkString(canonPath(s), ctx);
});

function regexError(e: unknown, re: string): never {
  if (isRegexError(e)) {
    if (e.kind === "space") throwEval(`memory limit exceeded by regular expression '${re}'`);
    throwEval(`invalid regular expression '${re}'`);
  }
  throw e;
}

registerBuiltin("match", 2, (r: Slot, s: Slot) => {
  const re = forceString(r);
  const str = forceString(s);
  try {
    const m = matchWhole(compile(re), str);
    return m === null ? null : m;
  } catch (e) {
    return regexError(e, re);
  }
});

/** A non-empty pattern without ERE metacharacters matches only itself. */
const LITERAL_RE = /^[^.[\]()*+?{}|^$\\]{1,1000}$/;

registerBuiltin("split", 2, (r: Slot, s: Slot) => {
  const re = forceString(r);
  const str = forceString(s);
  if (LITERAL_RE.test(re)) {
    // Non-overlapping leftmost occurrences, as the regex iterator finds them.
    const out: Slot[] = [];
    let last = 0;
    for (let i = str.indexOf(re); i >= 0; i = str.indexOf(re, last)) {
      out.push(str.slice(last, i), []);
      last = i + re.length;
    }
    out.push(last === 0 ? str : str.slice(last));
    return out;
  }
  try {
    return splitString(compile(re), str).map((p) => (typeof p === "string" ? p : p.slice()));
  } catch (e) {
    return regexError(e, re);
  }
});
