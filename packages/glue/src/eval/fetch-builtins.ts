/**
 * Fetchers: `fetchurl`, `fetchTarball`, `fetchGit`, `fetchTree` (types file, tarball, git,
 * path). Argument handling and messages follow Nix 2.8. Laziness follows Tvix: when the hash is
 * known the store path is computed here, the fetch is recorded in KnownPaths and nothing is
 * downloaded until the contents are read; otherwise the host downloads now (and verifies).
 */
import {
  coerceToString,
  force,
  mkString,
  NixAttrs,
  PrimOp,
  runtime,
  type Slot,
  throwEval,
  type Value,
} from "@tvix-ts/eval";
import { ContentAddress, makeFixedOutputPath, type NixHash } from "@tvix-ts/nix-compat/core";
import type { Fetch, FetchResult, HashSpec } from "../protocol.ts";
import { parseHashAllowEmpty } from "./output-hash.ts";
import type { GlueSession } from "./session.ts";

/** CppNix's `baseNameOf` on a string: the last component, ignoring one trailing slash. */
export function urlBaseName(url: string): string {
  let end = url.length;
  if (end > 1 && url[end - 1] === "/") end--;
  const i = url.lastIndexOf("/", end - 1);
  return url.slice(i + 1, end);
}

export function hashSpec(h: NixHash): HashSpec {
  return { algo: h.algo, hex: h.toHex() };
}

const isZero = (h: NixHash) => h.digest.every((b) => b === 0);

function pathString(p: string): Value {
  return mkString(p, new Set([p]));
}

/** `fetchurl`/`fetchTarball`: `url` or `{ url; sha256?; name?; }`. */
function simpleFetch(session: GlueSession, who: string, unpack: boolean, arg: Slot): Value {
  const v = force(arg);
  let url: string | undefined;
  let name = unpack ? "source" : "";
  let hash: NixHash | undefined;
  if (v instanceof NixAttrs) {
    for (let i = 0; i < v.keys.length; i++) {
      const k = v.keys[i];
      if (k === "url") url = runtime.forceStringNoCtx(v.values[i]);
      else if (k === "sha256")
        hash = parseHashAllowEmpty(runtime.forceStringNoCtx(v.values[i]), "sha256", (m) =>
          session.warn(m),
        );
      else if (k === "name") name = runtime.forceStringNoCtx(v.values[i]);
      else throwEval(`unsupported argument '${k}' to '${who}'`);
    }
    if (url === undefined) throwEval("'url' argument required");
  } else url = runtime.forceStringNoCtx(v);
  if (name === "") name = urlBaseName(url);
  const fetch: Fetch = unpack
    ? { kind: "tarball", url, name, hash: hash && hashSpec(hash) }
    : { kind: "file", url, name, hash: hash && hashSpec(hash), mode: "flat" };
  if (hash !== undefined && !isZero(hash)) {
    let p: string;
    try {
      p = makeFixedOutputPath(
        name,
        new ContentAddress(unpack ? "nar" : "flat", hash),
      ).toAbsolutePath();
    } catch (e) {
      return throwEval((e as Error).message);
    }
    session.addLazyFetch(p, fetch);
    return pathString(p);
  }
  return pathString(session.fetchNow(fetch).storePath);
}

const TREE_ATTRS_GIT = new Set([
  "url",
  "ref",
  "rev",
  "shallow",
  "submodules",
  "allRefs",
  "name",
  "narHash",
  "lastModified",
  "revCount",
]);

function lastModifiedDate(secs: number): string {
  const d = new Date(secs * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** The URL of a git repository: local paths become file:// URLs. */
function gitUrl(s: string): string {
  return s.startsWith("/") ? `file://${s}` : s;
}

function fetchGit(session: GlueSession, who: string, arg: Slot, fromTree: boolean): Value {
  const v = force(arg);
  let url: string | undefined;
  let name = "source";
  let ref: string | undefined;
  let rev: string | undefined;
  let submodules = false;
  let shallow = false;
  let allRefs = false;
  let narHash: NixHash | undefined;
  if (v instanceof NixAttrs) {
    for (let i = 0; i < v.keys.length; i++) {
      const k = v.keys[i];
      const s = v.values[i];
      if (fromTree && k === "type") continue;
      if (!TREE_ATTRS_GIT.has(k)) throwEval(`unsupported Git input attribute '${k}'`);
      if (k === "url") url = coerceToString(s, null, false, false);
      else if (k === "name") name = runtime.forceStringNoCtx(s);
      else if (k === "ref") ref = runtime.forceStringNoCtx(s);
      else if (k === "rev") rev = runtime.forceStringNoCtx(s);
      else if (k === "submodules") submodules = runtime.forceBool(s);
      else if (k === "shallow") shallow = runtime.forceBool(s);
      else if (k === "allRefs") allRefs = runtime.forceBool(s);
      else if (k === "narHash")
        narHash = parseHashAllowEmpty(runtime.forceStringNoCtx(s), undefined, (m) =>
          session.warn(m),
        );
      else force(s);
    }
    if (url === undefined) throwEval(`'url' argument required`);
  } else url = coerceToString(v, null, false, false);
  if (rev !== undefined && !/^[0-9a-f]{40}$/.test(rev))
    throwEval(`hash '${rev}' is not a valid git revision`);
  if (ref !== undefined && ref.length === 0) throwEval(`invalid Git branch/tag name ''`);
  void who;
  const r = session.fetchNow({
    kind: "git",
    url: gitUrl(url),
    name,
    rev: rev ?? "",
    ref,
    submodules,
    allRefs,
    hash: narHash && hashSpec(narHash),
  });
  const g = r.git!;
  if (g.dirty) session.warn(`Git tree '${url.replace(/^file:\/\//, "")}' is dirty`);
  const revStr = g.dirty ? "0000000000000000000000000000000000000000" : g.rev;
  const entries: [string, Slot][] = [
    ["outPath", pathString(r.storePath)],
    ["narHash", r.narHashSri],
    ["rev", revStr],
    ["shortRev", revStr.slice(0, 7)],
    ["revCount", shallow || g.dirty ? 0 : g.revCount],
    ["lastModified", g.lastModified],
    ["lastModifiedDate", lastModifiedDate(g.lastModified)],
    ["submodules", submodules],
  ];
  return NixAttrs.fromEntries(entries);
}

function fetchTree(session: GlueSession, arg: Slot): Value {
  const attrs = runtime.forceAttrs(arg);
  const t = attrs.get("type");
  if (t === undefined) return throwEval("attribute 'type' is missing in call to 'fetchTree'");
  const type = runtime.forceStringNoCtx(t);
  if (type === "git") return fetchGit(session, "fetchTree", attrs, true);
  const str = (k: string): string | undefined => {
    const s = attrs.get(k);
    return s === undefined ? undefined : runtime.forceStringNoCtx(s);
  };
  for (const k of attrs.keys)
    if (!["type", "url", "narHash", "name", "path", "lastModified", "rev"].includes(k))
      throwEval(`unsupported ${type} input attribute '${k}'`);
  const nh = str("narHash");
  const narHash =
    nh === undefined ? undefined : parseHashAllowEmpty(nh, undefined, (m) => session.warn(m));
  const name = str("name") ?? "source";
  if (type === "path") {
    const p = attrs.get("path");
    if (p === undefined) return throwEval("attribute 'path' is missing in call to 'fetchTree'");
    const path = coerceToString(p, null, false, false);
    const sp = session.importLocal(path, name, null, false, narHash);
    return NixAttrs.fromEntries([["outPath", pathString(sp)]]);
  }
  if (type !== "file" && type !== "tarball")
    return throwEval(`fetchTree: input type '${type}' is not supported`);
  const url = str("url");
  if (url === undefined) return throwEval("attribute 'url' is missing in call to 'fetchTree'");
  if (
    type === "tarball" &&
    narHash !== undefined &&
    narHash.algo === "sha256" &&
    !isZero(narHash)
  ) {
    const p = makeFixedOutputPath(name, new ContentAddress("nar", narHash)).toAbsolutePath();
    session.addLazyFetch(p, { kind: "tarball", url, name, hash: hashSpec(narHash) });
    return NixAttrs.fromEntries([
      ["outPath", pathString(p)],
      ["narHash", narHash.toSri()],
    ]);
  }
  const fetch: Fetch =
    type === "file"
      ? { kind: "file", url, name, mode: "flat" }
      : { kind: "tarball", url, name, hash: narHash && hashSpec(narHash) };
  const r: FetchResult = session.fetchNow(fetch);
  if (narHash !== undefined && r.narHashSri !== narHash.toSri())
    throwEval(
      `NAR hash mismatch in input '${url}', expected '${narHash.toSri()}' but got '${r.narHashSri}'`,
    );
  return NixAttrs.fromEntries([
    ["outPath", pathString(r.storePath)],
    ["narHash", r.narHashSri],
  ]);
}

export function fetcherBuiltins(session: GlueSession): PrimOp[] {
  return [
    new PrimOp("fetchurl", 1, (a: Slot) => simpleFetch(session, "fetchurl", false, a)),
    new PrimOp("fetchTarball", 1, (a: Slot) => simpleFetch(session, "fetchTarball", true, a)),
    new PrimOp("fetchGit", 1, (a: Slot) => fetchGit(session, "fetchGit", a, false)),
    new PrimOp("fetchTree", 1, (a: Slot) => fetchTree(session, a)),
  ];
}
