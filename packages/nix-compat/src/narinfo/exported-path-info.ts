/**
 * `ExportedPathInfo` (spec §4.4): the JSON Nix gives a structured-attrs build for
 * `exportReferencesGraph`, Nix 2.3 style:
 *
 *   [{"closureSize":N,"narHash":"sha256:<nixbase32>","narSize":N,"path":"/nix/store/…","references":[…]}]
 *
 * Written with keys in that order, the array sorted by path and references sorted and
 * deduplicated. Parsing ignores unknown keys (newer Nix adds `"valid":true`) and accepts the
 * NAR hash in any sha256 form CppNix reads (`sha256:` + hex/nixbase32/base64, or SRI).
 */
import { compareStrings } from "../bytes.ts";
import { NixCompatError } from "../errors.ts";
import { type NixHash, parseNixHash } from "../hash/nix-hash.ts";
import { parseAbsoluteStorePath, STORE_DIR, type StorePath } from "../store-path/store-path.ts";

export class ExportedPathInfoError extends NixCompatError {}

export interface ExportedPathInfo {
  closureSize: number;
  /** sha256 of the NAR. */
  narHash: NixHash;
  narSize: number;
  path: StorePath;
  references: StorePath[];
}

export interface ExportedPathInfoOptions {
  storeDir?: string;
}

function fail(where: string, what: string): never {
  throw new ExportedPathInfoError("invalid-path-info", `${where}: ${what}`);
}

function size(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    return fail(where, "expected a non-negative integer");
  }
  return v;
}

function storePath(v: unknown, where: string, storeDir: string): StorePath {
  if (typeof v !== "string") return fail(where, "expected a store path string");
  try {
    return parseAbsoluteStorePath(v, { storeDir });
  } catch (e) {
    if (!(e instanceof NixCompatError)) throw e;
    throw new ExportedPathInfoError("invalid-path-info", `${where}: ${e.message}`, { cause: e });
  }
}

/** Parses the JSON text (or an already parsed JSON value). */
export function parseExportedPathInfos(
  json: string | unknown,
  opts: ExportedPathInfoOptions = {},
): ExportedPathInfo[] {
  const storeDir = opts.storeDir ?? STORE_DIR;
  let value: unknown = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new ExportedPathInfoError("invalid-json", "path info JSON does not parse", {
        cause: e,
      });
    }
  }
  if (!Array.isArray(value)) return fail("path info JSON", "expected an array");
  return value.map((item: unknown, i): ExportedPathInfo => {
    const where = `path info #${i}`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      return fail(where, "expected an object");
    }
    const o = item as Record<string, unknown>;
    for (const k of ["closureSize", "narHash", "narSize", "path", "references"]) {
      if (!Object.hasOwn(o, k)) fail(where, `missing field '${k}'`);
    }
    if (typeof o.narHash !== "string") return fail(`${where} narHash`, "expected a string");
    let narHash: NixHash;
    try {
      narHash = parseNixHash(o.narHash);
    } catch (e) {
      if (!(e instanceof NixCompatError)) throw e;
      throw new ExportedPathInfoError("invalid-path-info", `${where} narHash: invalid hash`, {
        cause: e,
      });
    }
    if (narHash.algo !== "sha256") fail(`${where} narHash`, "expected a sha256 hash");
    if (!Array.isArray(o.references)) return fail(`${where} references`, "expected an array");
    return {
      closureSize: size(o.closureSize, `${where} closureSize`),
      narHash,
      narSize: size(o.narSize, `${where} narSize`),
      path: storePath(o.path, `${where} path`, storeDir),
      references: o.references.map((r: unknown, j) =>
        storePath(r, `${where} reference #${j}`, storeDir),
      ),
    };
  });
}

/** Serialises like Nix: compact JSON, sorted by path, references sorted and deduplicated. */
export function formatExportedPathInfos(
  infos: readonly ExportedPathInfo[],
  opts: ExportedPathInfoOptions = {},
): string {
  const storeDir = opts.storeDir ?? STORE_DIR;
  const rows = infos.map((p) => {
    if (p.narHash.algo !== "sha256") {
      throw new ExportedPathInfoError("invalid-path-info", "narHash must be a sha256 hash");
    }
    return {
      closureSize: size(p.closureSize, "closureSize"),
      narHash: p.narHash.toNixBase32String(),
      narSize: size(p.narSize, "narSize"),
      path: p.path.toAbsolutePath(storeDir),
      references: [...new Set(p.references.map((r) => r.toAbsolutePath(storeDir)))].sort(
        compareStrings,
      ),
    };
  });
  rows.sort((a, b) => compareStrings(a.path, b.path));
  return JSON.stringify(rows);
}
