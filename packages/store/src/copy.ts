/**
 * Copying closures between stores (`tvix store copy`). The source is either another tvix store
 * (PathInfos plus its own blobs and directories, which are copied over) or a Nix binary cache
 * read through `NixHttpPathInfoService` writing straight into the destination's castore and
 * recording the references it fetches in the destination. Paths are put in the destination
 * only after everything they refer to (references first), so the destination never holds a
 * path whose closure is incomplete.
 */
import {
  type BlobService,
  type Directory,
  type DirectoryService,
  digestKey,
  leavesToRoot,
  type Node,
  putClosure,
} from "@tvix-ts/castore";
import type { StorePath } from "@tvix-ts/nix-compat";
import { PathInfoServiceError } from "./errors.ts";
import type { PathInfo } from "./path-info/path-info.ts";
import type { PathInfoService } from "./pathinfo/types.ts";
import type { StoreServices } from "./services.ts";

export interface CopyProgress {
  readonly done: number;
  readonly total: number;
  /** NAR bytes of the paths copied so far. */
  readonly narBytes: number;
  readonly current: string | undefined;
}

export interface CopyOptions {
  readonly onProgress?: (p: CopyProgress) => void;
}

/** Copies a castore tree from one pair of services to another (what the target lacks). */
export async function copyTree(
  node: Node,
  from: { blobService: BlobService; directoryService: DirectoryService },
  to: { blobService: BlobService; directoryService: DirectoryService },
): Promise<void> {
  const files: Node[] = [];
  if (node.type === "file") files.push(node);
  if (node.type === "directory" && !(await to.directoryService.get(node.digest))) {
    const byDigest = new Map<string, Directory>();
    for await (const d of from.directoryService.getRecursive(node.digest)) {
      byDigest.set(digestKey(d.digest()), d);
      for (const e of d.entries()) if (e.node.type === "file") files.push(e.node);
    }
    if (byDigest.size === 0) {
      throw new PathInfoServiceError("integrity", "source store lacks a directory of the tree");
    }
    for (const f of files) await copyBlob(f, from.blobService, to.blobService);
    await putClosure(to.directoryService, leavesToRoot(node.digest, byDigest));
    return;
  }
  for (const f of files) await copyBlob(f, from.blobService, to.blobService);
}

async function copyBlob(node: Node, from: BlobService, to: BlobService): Promise<void> {
  if (node.type !== "file" || (await to.has(node.digest))) return;
  const r = await from.openRead(node.digest);
  if (!r) throw new PathInfoServiceError("integrity", "source store lacks a blob of the tree");
  const w = to.openWrite({ expectedDigest: node.digest, sizeHint: node.size });
  try {
    for await (const c of r) await w.write(c);
    await w.close();
  } catch (e) {
    await w.abort().catch(() => {});
    throw e;
  } finally {
    await r.close();
  }
}

/**
 * The closure of `paths` in `source`, references before referrers. Paths the destination
 * already has are not descended into (their closure is there by the invariant above).
 */
async function closureOrder(
  source: PathInfoService,
  dest: PathInfoService,
  paths: readonly StorePath[],
): Promise<PathInfo[]> {
  const order: PathInfo[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = async (p: StorePath): Promise<void> => {
    if (state.has(p.hashPart)) return;
    state.set(p.hashPart, "visiting");
    if (!(await dest.get(p.digest))) {
      const info = await source.get(p.digest);
      if (!info) {
        throw new PathInfoServiceError(
          "invalid-request",
          `${p.toAbsolutePath()} is not in the source store`,
        );
      }
      for (const r of info.references) if (!r.path.equals(p)) await visit(r.path);
      order.push(info);
    }
    state.set(p.hashPart, "done");
  };
  for (const p of paths) await visit(p);
  return order;
}

/** Copies the closures of `paths` from a tvix store into another. */
export async function copyClosure(
  from: StoreServices,
  to: StoreServices,
  paths: readonly StorePath[],
  opts: CopyOptions = {},
): Promise<PathInfo[]> {
  const order = await closureOrder(from.pathInfoService, to.pathInfoService, paths);
  const nodes = new Map<string, Node>();
  let narBytes = 0;
  const copied: PathInfo[] = [];
  for (const [i, info] of order.entries()) {
    opts.onProgress?.({ done: i, total: order.length, narBytes, current: info.storePath.baseName });
    await copyTree(info.node, from, to);
    nodes.set(info.storePath.hashPart, info.node);
    const withNodes = info.withReferenceNodes((r) => nodes.get(r.hashPart));
    copied.push(await to.pathInfoService.put(withNodes));
    narBytes += info.narSize;
  }
  opts.onProgress?.({ done: order.length, total: order.length, narBytes, current: undefined });
  return copied;
}

/**
 * Copies the closures of `paths` from a binary cache: `cache` must write into `to`'s castore
 * and record the references it fetches in `to.pathInfoService` (as `nix+http` does when built
 * with them), so each requested path is one `get` and one `put`.
 */
export async function copyFromCache(
  cache: PathInfoService,
  to: StoreServices,
  paths: readonly StorePath[],
  opts: CopyOptions = {},
): Promise<PathInfo[]> {
  const out: PathInfo[] = [];
  let narBytes = 0;
  for (const [i, p] of paths.entries()) {
    opts.onProgress?.({ done: i, total: paths.length, narBytes, current: p.baseName });
    const held = await to.pathInfoService.get(p.digest);
    if (held) {
      out.push(held);
      continue;
    }
    const info = await cache.get(p.digest);
    if (!info) {
      throw new PathInfoServiceError(
        "invalid-request",
        `${p.toAbsolutePath()} is not in the binary cache`,
      );
    }
    out.push(await to.pathInfoService.put(info));
    narBytes += info.narSize;
  }
  opts.onProgress?.({ done: paths.length, total: paths.length, narBytes, current: undefined });
  return out;
}
