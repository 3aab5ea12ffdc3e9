/**
 * Path arithmetic for path literals, done on strings so that the parser needs no host module.
 * Matches CppNix's `canonPath` (no symlink resolution): collapses `//`, drops `.`, resolves `..`
 * lexically (never above `/`), and removes a trailing slash.
 */

/** Canonical form of an absolute path. */
export function canonPath(path: string): string {
  const out: string[] = [];
  const n = path.length;
  let i = 0;
  while (i < n) {
    while (i < n && path.charCodeAt(i) === 47) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && path.charCodeAt(j) !== 47) j++;
    const seg = path.slice(i, j);
    if (seg === "..") out.pop();
    else if (seg !== ".") out.push(seg);
    i = j;
  }
  return `/${out.join("/")}`;
}

/** `path` made absolute against directory `base` (itself absolute), then canonicalised. */
export function absPath(path: string, base: string): string {
  if (path.charCodeAt(0) === 47) return canonPath(path);
  return canonPath(`${base}/${path}`);
}

/** The directory part of an absolute path (`/a/b` -> `/a`, `/a` -> `/`). */
export function dirOf(path: string): string {
  const p = canonPath(path);
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}
