/**
 * The search path: `<nixpkgs>` lookups (CppNix `findFile`), from `-I` entries and `NIX_PATH`.
 */
import { throwCatchable } from "./eval-error.ts";
import { canonPath } from "./paths.ts";
import { type SearchPathEntry, state } from "./runtime.ts";
import { NixPath, type Pos } from "./values.ts";

/** Parses `NIX_PATH`-style text: colon-separated `prefix=path` or `path` entries. */
export function parseSearchPath(text: string, cwd: string): SearchPathEntry[] {
  const raw = text.split(":");
  const parts: string[] = [];
  for (const r of raw) {
    // Re-join URLs (`https://…`) split at their scheme.
    if (r.startsWith("//") && parts.length > 0) parts[parts.length - 1] += `:${r}`;
    else parts.push(r);
  }
  return parts.filter((p) => p !== "").map((p) => parseEntry(p, cwd));
}

export function parseEntry(p: string, cwd: string): SearchPathEntry {
  const eq = p.indexOf("=");
  let prefix = "";
  let path = p;
  if (eq >= 0) {
    prefix = p.slice(0, eq);
    path = p.slice(eq + 1);
  }
  if (!/^[a-z+]+:\/\//i.test(path) && !path.startsWith("/")) path = canonPath(`${cwd}/${path}`);
  return { prefix, path };
}

/** Resolves `<path>` against `entries` (default: the evaluation's search path). */
export function findFile(
  entries: SearchPathEntry[] | null,
  path: string,
  pos: Pos | null,
): NixPath {
  const list = entries ?? state.searchPath;
  for (const { prefix, path: root } of list) {
    let rest: string | null = null;
    if (prefix === "") rest = path;
    else if (path === prefix) rest = "";
    else if (path.startsWith(`${prefix}/`)) rest = path.slice(prefix.length + 1);
    if (rest === null) continue;
    if (/^[a-z+]+:\/\//i.test(root)) continue;
    const candidate = canonPath(rest === "" ? root : `${root}/${rest}`);
    if (state.io.pathExists(candidate)) return new NixPath(candidate);
  }
  return throwCatchable(
    `file '${path}' was not found in the Nix search path (add it using $NIX_PATH or -I)`,
    pos,
  );
}
