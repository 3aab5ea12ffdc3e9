/**
 * `nix-store --add` (castore-store.md §11.5): a local path becomes a content-addressed store
 * path — ingest into castore, compute the NAR hash (where the PathInfoService says), derive the
 * store path from `fixed:r:sha256:<nar hash>` (no references), record the PathInfo.
 */
import { createHash } from "node:crypto";
import { lstat } from "node:fs/promises";
import { basename } from "node:path";
import { digestEquals, ingestPath, type Node } from "@tvix-ts/castore";
import {
  ContentAddress,
  makeSourcePath,
  NixHash,
  StorePathError,
  validateName,
  writeNarSync,
} from "@tvix-ts/nix-compat";
import { StoreError } from "./errors.ts";
import { PathInfo } from "./path-info/path-info.ts";
import { narCalculator, type StoreServices } from "./services.ts";

/** The store path name for a local path: its basename, which must be a valid name. */
export function pathToName(path: string): string {
  const name = basename(path);
  if (name === "" || name === "." || name === "..") {
    throw new StoreError("invalid-name", `cannot derive a store path name from '${path}'`);
  }
  try {
    validateName(name);
  } catch (e) {
    if (!(e instanceof StorePathError)) throw e;
    throw new StoreError("invalid-name", `'${path}': ${e.message}`, { cause: e });
  }
  return name;
}

/**
 * The NAR hash of one regular file, computed from its bytes as they are imported: the NAR is
 * the file's framing (which holds its size and executable bit, known from `lstat` before the
 * first byte), the bytes, padding and the closing token.
 */
class FileNarHash {
  readonly #h = createHash("sha256");
  readonly #size: number;
  readonly #executable: boolean;
  /** The NAR of an empty file of the same kind: this file's NAR but for size and bytes. */
  readonly #empty: Uint8Array;
  #seen = 0;

  constructor(size: number, executable: boolean) {
    this.#size = size;
    this.#executable = executable;
    this.#empty = writeNarSync({ type: "regular", executable, contents: new Uint8Array(0) });
    // It ends with the contents' size (8 bytes, here zero) and ")" (16 bytes).
    const size8 = new Uint8Array(8);
    new DataView(size8.buffer).setBigUint64(0, BigInt(size), true);
    this.#h.update(this.#empty.subarray(0, this.#empty.length - 24));
    this.#h.update(size8);
  }

  update(bytes: Uint8Array): void {
    this.#h.update(bytes);
    this.#seen += bytes.length;
  }

  /** The NAR's size and sha256, if `node` is the file this hash was set up for. */
  finish(node: Node): { narSize: number; narSha256: Uint8Array } | undefined {
    if (
      node.type !== "file" ||
      node.size !== this.#size ||
      node.executable !== this.#executable ||
      this.#seen !== this.#size
    ) {
      return undefined;
    }
    const pad = (8 - (this.#size % 8)) % 8;
    this.#h.update(new Uint8Array(pad));
    this.#h.update(this.#empty.subarray(this.#empty.length - 16));
    return {
      narSize: this.#empty.length + this.#size + pad,
      narSha256: new Uint8Array(this.#h.digest()),
    };
  }
}

/** Whether two castore nodes are the same (a directory's digest covers everything below). */
function sameNode(a: Node, b: Node): boolean {
  if (a.type === "directory" && b.type === "directory") {
    return a.size === b.size && digestEquals(a.digest, b.digest);
  }
  if (a.type === "file" && b.type === "file") {
    return a.size === b.size && a.executable === b.executable && digestEquals(a.digest, b.digest);
  }
  return a.type === "symlink" && b.type === "symlink" && digestEquals(a.target, b.target);
}

/** How far `importPath` is: storing the contents, then (for a tree) computing its NAR hash. */
export type ImportProgress =
  | { readonly phase: "ingest"; readonly files: number; readonly bytes: number }
  | { readonly phase: "nar" };

/**
 * A tree's NAR size and sha256 computed elsewhere while it is imported (from the source files,
 * say), with the castore node of the bytes that were hashed: used only if that node is the one
 * the import stored.
 */
export interface ImportedNar {
  readonly narSize: number;
  readonly narSha256: Uint8Array;
  readonly node: Node;
}

export async function importPath(
  services: StoreServices,
  path: string,
  opts: {
    name?: string;
    onProgress?: (p: ImportProgress) => void;
    /**
     * Starts computing a directory's `ImportedNar` elsewhere, called when `path` is one, before
     * the import; without it (or if it does not match), the NAR is rendered.
     */
    sourceNar?: (path: string) => Promise<ImportedNar | undefined>;
  } = {},
): Promise<PathInfo> {
  const name = opts.name ?? pathToName(path);
  // A single regular file has its NAR hashed as it is read. A tree's files are read
  // concurrently, out of NAR order: its NAR hash comes from `sourceNar`, or is rendered from
  // castore afterwards, as Tvix does.
  const st = await lstat(path).catch(() => undefined);
  const single = st?.isFile() ? new FileNarHash(st.size, (st.mode & 0o100) !== 0) : undefined;
  // Handled at once: its failure only means rendering the NAR instead.
  const sourceNar = st?.isDirectory() ? opts.sourceNar?.(path).catch(() => undefined) : undefined;
  const progress = opts.onProgress;
  const node = await ingestPath(services.blobService, services.directoryService, path, {
    ...(single ? { onFileBytes: (b: Uint8Array) => single.update(b) } : {}),
    ...(progress ? { onProgress: (d) => progress({ phase: "ingest", ...d }) } : {}),
  });
  let nar = single?.finish(node);
  if (!nar) progress?.({ phase: "nar" });
  if (!nar && sourceNar) {
    const source = await sourceNar;
    if (source && sameNode(source.node, node)) nar = source;
  }
  nar ??= await narCalculator(services).calculateNar(node);
  const { narSize, narSha256 } = nar;
  const info = new PathInfo({
    storePath: makeSourcePath(name, narSha256),
    node,
    narSize,
    narSha256,
    ca: new ContentAddress("nar", new NixHash("sha256", narSha256)),
  });
  return services.pathInfoService.put(info);
}
