/**
 * castore -> NAR (castore-store.md §11.2): the tree of a root node rendered through
 * nix-compat's NAR writer, so the bytes are exactly `nix-store --dump`'s. Directories come from
 * one `getRecursive`; small files are read ahead of the writer (prefetch.ts), larger ones
 * stream from the BlobService as the writer reaches them.
 *
 * A file node's size is authoritative: a blob that is shorter or longer is a `size-mismatch`
 * error (the stream ends, truncated). A missing blob or directory is `*-not-found`.
 */
import { createHash } from "node:crypto";
import type { BlobService, DirectoryService, Node } from "@tvix-ts/castore";
import { digestToString } from "@tvix-ts/castore";
import { NarError, type NarNodeInput, writeNar } from "@tvix-ts/nix-compat";
import { NarRenderError } from "../errors.ts";
import type { NarCalculation, NarCalculationService } from "../pathinfo/types.ts";
import { DirectoryMap, showPath } from "./directories.ts";
import { BlobPrefetcher } from "./prefetch.ts";

function input(
  node: Node,
  path: Uint8Array[],
  blobs: BlobService,
  dirs: DirectoryMap,
  ahead: BlobPrefetcher,
): NarNodeInput {
  switch (node.type) {
    case "symlink":
      return { type: "symlink", target: node.target };
    case "file":
      return {
        type: "regular",
        executable: node.executable,
        size: node.size,
        contents: async () => {
          const failed = (e: unknown): never => {
            throw new NarRenderError(
              "backend",
              `reading blob ${digestToString(node.digest)} failed: ${(e as Error).message}`,
              { cause: e },
            );
          };
          const missing = () =>
            new NarRenderError(
              "blob-not-found",
              `blob ${digestToString(node.digest)} (at ${showPath(path)}) not found`,
            );
          const read = ahead.take(node);
          if (read !== undefined) {
            const bytes = await read.catch(failed);
            if (!bytes) throw missing();
            return [bytes];
          }
          const r = await blobs.openRead(node.digest).catch(failed);
          if (!r) throw missing();
          return closing(r);
        },
      };
    case "directory": {
      const d = dirs.get(node.digest, showPath(path));
      return {
        type: "directory",
        entries: d.entries().map((e) => ({
          name: e.name,
          node: () => input(e.node, [...path, e.name], blobs, dirs, ahead),
        })),
      };
    }
  }
}

/** Streams a blob reader and closes it however the stream ends. */
async function* closing(r: AsyncIterable<Uint8Array> & { close(): Promise<void> }) {
  try {
    yield* r;
  } finally {
    await r.close().catch(() => {});
  }
}

function mapError(e: unknown): unknown {
  if (e instanceof NarError && e.code === "size-mismatch") {
    return new NarRenderError("size-mismatch", e.message, { cause: e });
  }
  if (e instanceof NarError) return new NarRenderError("invalid-tree", e.message, { cause: e });
  return e;
}

export interface RenderOptions {
  /** Reuse output buffers: each chunk is valid only until the next is requested. */
  readonly reuseBuffers?: boolean;
}

/** The NAR of `root`, as a stream of chunks. */
export async function* renderNar(
  root: Node,
  blobs: BlobService,
  dirs: DirectoryService,
  opts: RenderOptions = {},
): AsyncGenerator<Uint8Array> {
  const map = await DirectoryMap.load(dirs, root);
  try {
    const ahead = new BlobPrefetcher(blobs, root, map);
    yield* writeNar(input(root, [], blobs, map, ahead), { reuseBuffers: opts.reuseBuffers });
  } catch (e) {
    throw mapError(e);
  }
}

/** NAR size and sha256 of `root`, rendering it into a hash (nothing is kept). */
export async function calculateNar(
  root: Node,
  blobs: BlobService,
  dirs: DirectoryService,
): Promise<NarCalculation> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of renderNar(root, blobs, dirs, { reuseBuffers: true })) {
    h.update(chunk);
    size += chunk.length;
  }
  return { narSize: size, narSha256: new Uint8Array(h.digest()) };
}

/** Tvix's `SimpleRenderer`: NAR calculation over local blob and directory services. */
export class SimpleNarCalculator implements NarCalculationService {
  readonly #blobs: BlobService;
  readonly #dirs: DirectoryService;
  constructor(blobs: BlobService, dirs: DirectoryService) {
    this.#blobs = blobs;
    this.#dirs = dirs;
  }
  calculateNar(root: Node): Promise<NarCalculation> {
    return calculateNar(root, this.#blobs, this.#dirs);
  }
}
