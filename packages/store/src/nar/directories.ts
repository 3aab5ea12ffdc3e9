/**
 * The directories below a root node, fetched once with `getRecursive` (one request over gRPC
 * instead of one per directory) and kept by digest for the renderers.
 */
import {
  type B3Digest,
  type Directory,
  type DirectoryService,
  digestKey,
  digestToString,
  type Node,
} from "@tvix-ts/castore";
import { NarRenderError } from "../errors.ts";

export class DirectoryMap {
  readonly #dirs = new Map<string, Directory>();

  /** Fetches the closure of `root` (nothing for files and symlinks). */
  static async load(dirs: DirectoryService, root: Node): Promise<DirectoryMap> {
    const m = new DirectoryMap();
    if (root.type !== "directory") return m;
    try {
      for await (const d of dirs.getRecursive(root.digest)) m.#dirs.set(digestKey(d.digest()), d);
    } catch (e) {
      throw new NarRenderError("backend", `fetching directories failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return m;
  }

  /** The directory, or a `directory-not-found` error naming where it was needed. */
  get(digest: B3Digest, where: string): Directory {
    const d = this.#dirs.get(digestKey(digest));
    if (!d) {
      throw new NarRenderError(
        "directory-not-found",
        `directory ${digestToString(digest)} (at ${where}) not found`,
      );
    }
    return d;
  }
}

/** Path display for messages. */
export function showPath(parts: readonly Uint8Array[]): string {
  if (parts.length === 0) return "/";
  const dec = new TextDecoder();
  return parts.map((p) => dec.decode(p)).join("/");
}
