/**
 * Import a tar archive into castore (castore-store.md §6.3; `fetchTarball` uses it). The input
 * is the uncompressed tar stream (see `decompress` for sniffing gzip/bzip2/xz/zstd). Entries may
 * come in any order; missing parent directories are made up; the archive must hold exactly one
 * top-level entry, a directory, whose node is returned (its name is dropped).
 *
 * Paths are canonicalised as Tvix does: `.` and empty segments vanish, `..` removes the segment
 * before it, and a path that is absolute or climbs above the archive root is rejected naming the
 * entry. Since nothing is written to a real filesystem, symlinks in the archive cannot redirect
 * later entries anywhere: an entry below a symlink's path simply replaces the symlink with a
 * directory.
 *
 * Regular, contiguous and GNU sparse files become blobs (executable = owner-x bit); symlinks
 * keep their raw target; pax and GNU long-name records are applied. Hardlinks, devices and fifos
 * are rejected, as in Tvix, unless `hardlinks: "resolve"` asks for a hardlink to become a second
 * file node with the same contents (what extracting and then importing would give).
 *
 * Memory: file contents are streamed (small ones buffered within a byte budget while uploading);
 * only the tree's metadata is kept until the end.
 */
import type { BlobService } from "../blob/types.ts";
import type { DirectoryService } from "../directory/types.ts";
import type { SizeFormula } from "../model/directory.ts";
import { nameProblem, symlinkTargetProblem } from "../model/names.ts";
import type { Node } from "../model/node.ts";
import { BlobUploader, type BlobUploaderOptions } from "./blob-uploader.ts";
import { ImportError } from "./errors.ts";
import { readTar, showPath, type TarEntry } from "./tar/reader.ts";
import { EntryTree } from "./tar/tree.ts";

export interface ArchiveIngestOptions extends BlobUploaderOptions {
  /** How DirectoryNode.size is computed (default Tvix's, castore-store.md §1.7). */
  readonly sizeFormula?: SizeFormula;
  /**
   * `reject` (default, Tvix's behaviour): a hardlink entry is an `unsupported-file-type` error.
   * `resolve`: it becomes a file node equal to the earlier regular file it names.
   */
  readonly hardlinks?: "reject" | "resolve";
  /** Largest pax / GNU long-name record accepted (default 1 MiB). */
  readonly maxMetadataSize?: number;
  /**
   * Largest expanded size of a GNU sparse file (default 64 GiB). Its holes take no room in the
   * archive, so without a limit a tiny archive could make the import hash zeros for days; raise
   * it for trusted archives of bigger disk images.
   */
  readonly maxSparseFileSize?: number;
}

/** Imports an uncompressed tar stream; returns the root directory's node. */
export async function ingestArchive(
  blobs: BlobService,
  directories: DirectoryService,
  tar: AsyncIterable<Uint8Array>,
  options: ArchiveIngestOptions = {},
): Promise<Node> {
  const uploader = new BlobUploader(blobs, options);
  const tree = new EntryTree();
  try {
    for await (const entry of readTar(tar, options)) {
      const shown = showPath(entry.path);
      const components = canonicalPath(entry.path, shown);
      // `./` and the like name the archive root itself: nothing to record (Tvix leaves such an
      // entry unconnected, so it is dropped too).
      if (components.length === 0) continue;
      await addEntry(tree, uploader, entry, components, shown, options);
    }
    await uploader.join();
  } catch (e) {
    // Let running uploads settle so none outlives the failed import unobserved.
    await uploader.join().catch(() => {});
    throw e;
  }
  return tree.finish(() => directories.putMultipleStart(), options.sizeFormula ?? "tvix");
}

async function addEntry(
  tree: EntryTree,
  uploader: BlobUploader,
  entry: TarEntry,
  components: Uint8Array[],
  shown: string,
  options: ArchiveIngestOptions,
): Promise<void> {
  switch (entry.type) {
    case "file": {
      const digest = await uploader.upload(shown, entry.size, entry.body);
      const executable = (entry.mode & 0o100) !== 0;
      tree.add(components, {
        type: "file",
        node: { type: "file", digest, size: entry.size, executable },
      });
      return;
    }
    case "directory":
      tree.add(components, { type: "directory" });
      return;
    case "symlink": {
      if (entry.linkName.length === 0) {
        throw new ImportError("invalid", shown, "symlink missing target");
      }
      const problem = symlinkTargetProblem(entry.linkName);
      if (problem) throw new ImportError("invalid", shown, `invalid symlink target: ${problem}`);
      tree.add(components, {
        type: "symlink",
        node: { type: "symlink", target: entry.linkName },
      });
      return;
    }
    case "hardlink": {
      if (options.hardlinks !== "resolve") {
        throw new ImportError(
          "unsupported-file-type",
          shown,
          "unsupported tar entry type hardlink",
        );
      }
      const target = canonicalPath(entry.linkName, shown);
      const source = target.length > 0 ? tree.get(target) : undefined;
      if (source?.type !== "file") {
        throw new ImportError(
          "invalid",
          shown,
          `hardlink to ${JSON.stringify(showPath(entry.linkName))}, which is not an earlier regular file`,
        );
      }
      tree.add(components, source);
      return;
    }
    default:
      throw new ImportError(
        "unsupported-file-type",
        shown,
        `unsupported tar entry type ${TYPE_NAMES[entry.type] ?? JSON.stringify(entry.typeFlag)}`,
      );
  }
}

const TYPE_NAMES: Partial<Record<TarEntry["type"], string>> = {
  "char-device": "character device",
  "block-device": "block device",
  fifo: "fifo",
};

/**
 * The path's segments after Tvix's canonicalisation; an absolute path, a `..` above the root or
 * an invalid segment (over 255 bytes) is an `invalid` error naming the entry.
 */
export function canonicalPath(path: Uint8Array, shown: string): Uint8Array[] {
  if (path[0] === 0x2f) throw new ImportError("invalid", shown, "absolute path in archive");
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path[i] !== 0x2f) continue;
    const seg = path.subarray(start, i);
    start = i + 1;
    if (seg.length === 0 || (seg.length === 1 && seg[0] === 0x2e)) continue;
    if (seg.length === 2 && seg[0] === 0x2e && seg[1] === 0x2e) {
      if (out.length === 0) {
        throw new ImportError("invalid", shown, "path escapes the archive root ('..')");
      }
      out.pop();
      continue;
    }
    const problem = nameProblem(seg);
    if (problem) throw new ImportError("invalid", shown, `invalid path segment: ${problem}`);
    out.push(seg.slice());
  }
  return out;
}
