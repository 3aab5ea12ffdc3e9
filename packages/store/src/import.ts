/**
 * `nix-store --add` (castore-store.md §11.5): a local path becomes a content-addressed store
 * path — ingest into castore, compute the NAR hash (where the PathInfoService says), derive the
 * store path from `fixed:r:sha256:<nar hash>` (no references), record the PathInfo.
 */
import { basename } from "node:path";
import { ingestPath } from "@tvix-ts/castore";
import {
  ContentAddress,
  makeSourcePath,
  NixHash,
  StorePathError,
  validateName,
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

export async function importPath(
  services: StoreServices,
  path: string,
  opts: { name?: string } = {},
): Promise<PathInfo> {
  const name = opts.name ?? pathToName(path);
  const node = await ingestPath(services.blobService, services.directoryService, path);
  const { narSize, narSha256 } = await narCalculator(services).calculateNar(node);
  const info = new PathInfo({
    storePath: makeSourcePath(name, narSha256),
    node,
    narSize,
    narSha256,
    ca: new ContentAddress("nar", new NixHash("sha256", narSha256)),
  });
  return services.pathInfoService.put(info);
}
